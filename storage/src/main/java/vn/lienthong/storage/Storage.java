package vn.lienthong.storage;

import java.nio.file.Path;
import java.util.Objects;
import vn.lienthong.storage.audit.AuditCheckpoints;
import vn.lienthong.storage.audit.AuditLog;
import vn.lienthong.storage.lmdb.LmdbEnvironment;
import vn.lienthong.storage.queue.Inbox;
import vn.lienthong.storage.queue.Outbox;
import vn.lienthong.storage.registry.Registry;

/**
 * The appliance's LMDB environment in one directory: outbox and inbox queues per tenant and the
 * registry. Every write returns only after its transaction is committed to disk. Several processes
 * (the service and the operator CLI) may open the same directory at once.
 */
public final class Storage implements AutoCloseable {

    private final LmdbEnvironment environment;
    private final Outbox outbox;
    private final Inbox inbox;
    private final Registry registry;
    private final AuditLog audit;
    private final AuditCheckpoints auditCheckpoints;

    private Storage(LmdbEnvironment environment) {
        this.environment = environment;
        this.outbox = new Outbox(environment);
        this.inbox = new Inbox(environment);
        try {
            // An older store's inbox gets its index once, before anyone reads it.
            inbox.upgrade();
        } catch (RuntimeException e) {
            environment.close();
            throw e;
        }
        this.registry = new Registry(environment);
        this.audit = new AuditLog(environment);
        this.auditCheckpoints = new AuditCheckpoints(environment);
    }

    /** Opens (creating if needed) the environment in {@code directory} with the given map size. */
    public static Storage open(Path directory, long mapSizeBytes) {
        return open(directory, mapSizeBytes, CommitListener.none());
    }

    /** Like {@link #open(Path, long)}, telling {@code listener} of every commit (for metrics). */
    public static Storage open(Path directory, long mapSizeBytes, CommitListener listener) {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(listener, "listener");
        return new Storage(LmdbEnvironment.open(directory, mapSizeBytes, listener));
    }

    /**
     * Like {@link #open(Path, long, CommitListener)}; a write that finds the map full first grows it
     * (doubling, at least 64 MiB a step) up to {@code maxMapSizeBytes}, and is refused only beyond.
     */
    public static Storage open(Path directory, long mapSizeBytes, long maxMapSizeBytes, CommitListener listener) {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(listener, "listener");
        return new Storage(LmdbEnvironment.open(directory, mapSizeBytes, maxMapSizeBytes, listener));
    }

    /**
     * Takes sizes the operator raised in the configuration, without a restart: the map grows now to
     * {@code mapSizeBytes} if smaller, and may grow by itself up to {@code maxMapSizeBytes}.
     */
    public void resize(long mapSizeBytes, long maxMapSizeBytes) {
        environment.resize(mapSizeBytes, maxMapSizeBytes);
    }

    /** Every breach of the queues' invariants, one sentence each; empty when the store is sound. */
    public java.util.List<String> checkIntegrity() {
        java.util.List<String> problems = new java.util.ArrayList<>(outbox.checkIntegrity());
        problems.addAll(inbox.checkIntegrity());
        return problems;
    }

    public Outbox outbox() {
        return outbox;
    }

    public Inbox inbox() {
        return inbox;
    }

    public Registry registry() {
        return registry;
    }

    /** The hash-chained audit log of operator actions and key usage. */
    public AuditLog audit() {
        return audit;
    }

    /** The signed checkpoints of the audit log's head. */
    public AuditCheckpoints auditCheckpoints() {
        return auditCheckpoints;
    }

    /**
     * Writes a compacted, consistent copy of the store into the empty or new directory
     * {@code target} (LMDB's copy with MDB_CP_COMPACT, taken in one read transaction), while writes
     * go on. The copy is a complete store: open it, or put its {@code data.mdb} in place of the
     * original's, with the service stopped.
     */
    public void backup(Path target) {
        environment.backup(target);
    }

    /** True while the environment answers a read transaction. */
    public boolean isHealthy() {
        return environment.isHealthy();
    }

    /**
     * Refuses new documents (outbox and inbox puts, with {@link IntakeClosedException}) from
     * {@code highWaterPercent} of the largest size the store may grow to until it is below
     * {@code lowWaterPercent}, keeping the rest for the writes that drain it. Unset, only a full map
     * refuses a write.
     */
    public void limitIntake(int highWaterPercent, int lowWaterPercent) {
        environment.limitIntake(new IntakeWatermark(highWaterPercent, lowWaterPercent));
    }

    /** Whether the store takes new documents now, read fresh (a drained store opens intake again here too). */
    public IntakeState intake() {
        return environment.intakeState();
    }

    /** Bytes of the map in use and the map's size, for metrics. */
    public MapUsage mapUsage() {
        return environment.mapUsage();
    }

    /** Commits the writes already waiting, then closes the environment; later calls fail. */
    @Override
    public void close() {
        environment.close();
    }
}
