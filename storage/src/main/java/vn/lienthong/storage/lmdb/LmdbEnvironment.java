package vn.lienthong.storage.lmdb;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.EnvInfo;
import org.lmdbjava.LmdbException;
import org.lmdbjava.LmdbNativeException;
import org.lmdbjava.Txn;
import vn.lienthong.storage.CommitListener;
import vn.lienthong.storage.IntakeClosedException;
import vn.lienthong.storage.IntakeState;
import vn.lienthong.storage.IntakeWatermark;
import vn.lienthong.storage.MapUsage;
import vn.lienthong.storage.StorageFullException;

/**
 * The LMDB environment behind {@code Storage}: short read transactions from any thread, and writes
 * that one writer thread group-commits, each returning only once it is on disk. Internal to the
 * storage module (public only so that its packages can share it); use {@code Storage}.
 */
public final class LmdbEnvironment implements AutoCloseable {

    /**
     * 2: an outgoing message's record is appended to {@code OUTBOX_BODIES}, its id referring to it,
     * and a new delivery's state is implied by the record until it changes. 3: a new record is
     * appended in chunks cut to fill leaf pages, none of more than half a page. 4: each incoming message
     * has a small index record, and received messages are keyed by sender too (the inbox upgrades an
     * older store's inbox once, at open). Each version's store is a valid store of
     * the next (records inline or whole, every state stored) and is upgraded in place; an older
     * lienthong refuses a newer store instead of misreading it.
     */
    private static final int SCHEMA_VERSION = 4;
    private static final int FIRST_SCHEMA_VERSION = 1;
    private static final byte[] SCHEMA_KEY = "schema".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** Reader slots live in the lock file and are shared by every process that opens the directory. */
    private static final int MAX_READERS = 1024;
    /** Read transactions this process runs at once, leaving slots for the other processes. */
    private static final int CONCURRENT_READS = 256;
    private static final long MAP_SIZE_GRANULE = 64 * 1024;
    private static final long MIN_GROWTH = 64L * 1024 * 1024;
    private static final System.Logger LOG = System.getLogger(LmdbEnvironment.class.getName());
    /**
     * Room counted, while intake is measured, for each pending delivery: what recording it takes
     * (the receipt, a CMS signature with the signer's certificate of about 2 KiB; the state record,
     * which keeps the last error of up to 2,000 characters; the index pages they touch), with a margin
     * for larger certificates. Counted from acceptance, it keeps room to record every delivery of what
     * was accepted, and what a drain does not use of it is what opens intake again.
     */
    public static final long PENDING_DELIVERY_RESERVE_BYTES = 8192;
    /** The meta pages and the main database's page, which no named database's statistics count. */
    private static final int FIXED_PAGES = 3;
    private static final int ENOSPC = 28;
    private static final int EDQUOT = 122;

    /**
     * LMDB forbids opening one environment twice in a process: closing either copy would release
     * the file locks the other relies on. Process-wide by nature, hence static.
     */
    private static final Set<Path> OPEN_IN_THIS_PROCESS = ConcurrentHashMap.newKeySet();

    private final Path directory;
    private final Env<ByteBuffer> env;
    private final int pageSize;
    private final EnumMap<Database, Dbi<ByteBuffer>> dbis = new EnumMap<>(Database.class);
    /** Held shared by every transaction; exclusively to adopt a grown map or to close the environment. */
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();
    private final Semaphore readSlots = new Semaphore(CONCURRENT_READS);
    private final GroupCommitWriter writer;
    /** The map grows by itself, when full, up to this many bytes (the operator's configured ceiling). */
    private volatile long mapLimit;
    private volatile boolean envClosed;
    /** When intake writes are refused; never, unless the service sets marks. */
    private volatile IntakeWatermark intake = IntakeWatermark.none();

    private LmdbEnvironment(Path directory, Env<ByteBuffer> env, CommitListener listener) {
        this.directory = directory;
        this.env = env;
        this.pageSize = env.stat().pageSize;
        this.writer = new GroupCommitWriter(this, listener);
    }

    /**
     * Opens (creating if needed) the environment in {@code directory}. Map sizes are rounded up to
     * 64 KiB; an existing environment holding more data than {@code mapSizeBytes} keeps its data.
     */
    public static LmdbEnvironment open(Path directory, long mapSizeBytes, CommitListener listener) {
        return open(directory, mapSizeBytes, mapSizeBytes, listener);
    }

    /**
     * Like {@link #open(Path, long, CommitListener)}; when a write finds the map full, the map grows
     * (doubling, at least 64 MiB a step) up to {@code maxMapSizeBytes} before the write is refused.
     */
    public static LmdbEnvironment open(Path directory, long mapSizeBytes, long maxMapSizeBytes,
                                       CommitListener listener) {
        if (mapSizeBytes <= 0) {
            throw new IllegalArgumentException("The storage map size must be positive, not " + mapSizeBytes + ".");
        }
        Path realDirectory = createPrivateDirectory(directory);
        if (!OPEN_IN_THIS_PROCESS.add(realDirectory)) {
            throw new IllegalStateException("The storage in " + directory
                    + " is already open in this process: share that Storage instead of opening it again.");
        }
        try {
            LmdbEnvironment environment = openClaimed(realDirectory, granules(mapSizeBytes), listener);
            environment.mapLimit = granules(Math.max(mapSizeBytes, maxMapSizeBytes));
            return environment;
        } catch (RuntimeException | Error e) {
            OPEN_IN_THIS_PROCESS.remove(realDirectory);
            throw e;
        }
    }

    private static LmdbEnvironment openClaimed(Path directory, long mapSize, CommitListener listener) {
        Env<ByteBuffer> env;
        try {
            // Default flags keep commits durable (no NOSYNC/NOMETASYNC). NOTLS: read transactions are
            // not tied to an OS thread, which virtual threads need.
            env = Env.create()
                    .setMapSize(mapSize)
                    .setMaxDbs(Database.values().length + 4)
                    .setMaxReaders(MAX_READERS)
                    .open(directory.toFile(), 0600, EnvFlags.MDB_NOTLS);
        } catch (LmdbException e) {
            throw new IllegalStateException("Cannot open the storage in " + directory + ": " + e.getMessage(), e);
        }
        LmdbEnvironment environment = new LmdbEnvironment(directory, env, listener);
        try {
            environment.writer.start(environment::prepare);
        } catch (RuntimeException e) {
            env.close();
            throw environment.translate(e);
        }
        return environment;
    }

    /** Runs {@code work} in a short read transaction; never hold on to buffers it is given. */
    public <T> T read(Function<Transaction, T> work) {
        readSlots.acquireUninterruptibly();
        try {
            Txn<ByteBuffer> txn = begin(true);
            try (txn) {
                return work.apply(new Transaction(txn, dbis));
            } finally {
                endTransaction();
            }
        } finally {
            readSlots.release();
        }
    }

    /**
     * Runs {@code work} on the writer thread, in a transaction it may share with other waiting
     * writes, and returns its result once that transaction is on disk. If the work throws, nothing
     * it wrote is kept and the exception is thrown here. A full map or disk is a
     * {@link StorageFullException}. {@code work} may run more than once (a failed group is retried
     * one write at a time), so it must act only through the transaction.
     */
    public <T> T write(long approximateBytes, Function<Transaction, T> work) {
        return writer.write(approximateBytes, work);
    }

    public <T> T write(Function<Transaction, T> work) {
        return write(256, work);
    }

    /**
     * Like {@link #write(long, Function)}, for a write that brings new data in (a document accepted
     * or received): refused with {@link IntakeClosedException}, {@code work} not run, while the
     * store is above its intake watermark (see {@link #limitIntake}). {@code approximateBytes}
     * should include the room its deliveries will need ({@link #PENDING_DELIVERY_RESERVE_BYTES} each).
     */
    public <T> T writeIntake(long approximateBytes, Function<Transaction, T> work) {
        return writer.write(approximateBytes, work, true);
    }

    /** Sets the marks at which intake writes are refused and taken again (see {@link IntakeWatermark}). */
    public void limitIntake(IntakeWatermark watermark) {
        this.intake = java.util.Objects.requireNonNull(watermark, "watermark");
    }

    /** Reads the store's occupancy now and tells whether intake is open (the reading may open it again). */
    public IntakeState intakeState() {
        long occupied = read(this::occupiedBytes);
        long limit = mapLimit;
        IntakeWatermark watermark = intake;
        boolean open = watermark.admits(occupied, limit);
        return new IntakeState(open, occupied, limit, watermark.highWaterPercent(), watermark.lowWaterPercent());
    }

    /** False while no watermark is set: intake writes then cost no occupancy reading. */
    boolean limitsIntake() {
        return intake.highWaterPercent() < 100;
    }

    /**
     * Whether an intake write of {@code occupiedBytes} (the store's occupancy with the writes before
     * it in its transaction) may go ahead; called by the writer thread.
     */
    boolean admitsIntake(long occupiedBytes) {
        return intake.admits(occupiedBytes, mapLimit);
    }

    /**
     * Pages in use in {@code tx}'s view (freed pages, which LMDB reuses, are not counted: this falls
     * as the store is drained, where the file's high-water page never does), plus the room kept for
     * each pending delivery.
     */
    long occupiedBytes(Transaction tx) {
        long pages = FIXED_PAGES;
        for (Database db : Database.values()) {
            pages += tx.pages(db);
        }
        return pages * pageSize + tx.count(Database.OUTBOX_DUE) * PENDING_DELIVERY_RESERVE_BYTES;
    }

    IntakeClosedException intakeClosed(long occupiedBytes) {
        IntakeWatermark watermark = intake;
        long limit = mapLimit;
        return new IntakeClosedException("Insufficient storage: the store is " + Math.min(100, occupiedBytes * 100 / limit)
                + "% full (" + occupiedBytes / (1024 * 1024) + " of " + limit / (1024 * 1024)
                + " MiB, counting room for pending deliveries), over its intake high-water mark of "
                + watermark.highWaterPercent() + "%: new documents are refused until it is below "
                + watermark.lowWaterPercent() + "%, while deliveries go on.");
    }

    /** True while the writer runs and a read transaction can be opened and read. */
    public boolean isHealthy() {
        if (!writer.isRunning()) {
            return false;
        }
        try {
            return read(tx -> tx.count(Database.META) >= 0);
        } catch (RuntimeException e) {
            return false;
        }
    }

    public MapUsage mapUsage() {
        gate.readLock().lock();
        try {
            ensureOpen();
            EnvInfo info = env.info();
            long pageSize = env.stat().pageSize;
            return new MapUsage((info.lastPageNumber + 1) * pageSize, info.mapSize);
        } finally {
            gate.readLock().unlock();
        }
    }

    public Path directory() {
        return directory;
    }

    /** The size of LMDB's pages in this environment (the operating system's page size). */
    public int pageSize() {
        return pageSize;
    }

    /** Commits what is waiting, stops the writer, then closes the environment once reads are done. */
    @Override
    public void close() {
        writer.stop();
        gate.writeLock().lock();
        try {
            if (!envClosed) {
                envClosed = true;
                env.close();
                OPEN_IN_THIS_PROCESS.remove(directory);
            }
        } finally {
            gate.writeLock().unlock();
        }
    }

    /** Opens the databases and checks the schema; runs on the writer thread before any write. */
    private void prepare() {
        // Slots left by a process that died (a killed CLI) would pin old pages and grow the map.
        env.readerCheck();
        for (Database db : Database.values()) {
            dbis.put(db, env.openDbi(db.lmdbName(), DbiFlags.MDB_CREATE));
        }
        Txn<ByteBuffer> txn = begin(false);
        try (txn) {
            Transaction tx = new Transaction(txn, dbis);
            ByteBuffer key = Transaction.direct(SCHEMA_KEY);
            Integer found = tx.get(Database.META, key, value -> new BinaryReader(value).i32());
            if (found == null || (found >= FIRST_SCHEMA_VERSION && found < SCHEMA_VERSION)) {
                // New, or older and readable as it is: only the marker changes.
                tx.put(Database.META, key, new BinaryWriter().i32(SCHEMA_VERSION).toByteArray());
                txn.commit();
            } else if (found > SCHEMA_VERSION) {
                throw new IllegalStateException("The storage in " + directory + " was written by a newer lienthong"
                        + " (schema version " + found + "; this one reads versions up to " + SCHEMA_VERSION
                        + "): run that version or a later one.");
            } else if (found != SCHEMA_VERSION) {
                throw new IllegalStateException("The storage in " + directory + " has schema version " + found
                        + ", which no lienthong wrote: restore it from a backup.");
            }
        } finally {
            endTransaction();
        }
    }

    /**
     * Begins a transaction and returns it holding the gate's read lock (the caller unlocks after
     * closing the transaction). Adopts the map size when another process has grown the map.
     */
    Txn<ByteBuffer> begin(boolean readOnly) {
        for (;;) {
            gate.readLock().lock();
            boolean begun = false;
            try {
                ensureOpen();
                Txn<ByteBuffer> txn = readOnly ? env.txnRead() : env.txnWrite();
                begun = true;
                return txn;
            } catch (Dbi.MapResizedException e) {
                // Another process grew the map past our mapping: adopt its size, then begin again.
            } finally {
                if (!begun) {
                    gate.readLock().unlock();
                }
            }
            adoptGrownMap();
        }
    }

    void endTransaction() {
        gate.readLock().unlock();
    }

    EnumMap<Database, Dbi<ByteBuffer>> dbis() {
        return dbis;
    }

    /**
     * Takes new sizes from the operator's configuration while running: grows the map now to
     * {@code mapSizeBytes} if it is smaller, and lets it grow by itself up to {@code maxMapSizeBytes}.
     * A map is never shrunk. Safe from any thread except the writer's.
     */
    public void resize(long mapSizeBytes, long maxMapSizeBytes) {
        if (mapSizeBytes <= 0) {
            throw new IllegalArgumentException("The storage map size must be positive, not " + mapSizeBytes + ".");
        }
        mapLimit = Math.max(mapLimit, granules(Math.max(mapSizeBytes, maxMapSizeBytes)));
        long wanted = granules(mapSizeBytes);
        gate.writeLock().lock();
        try {
            ensureOpen();
            if (env.info().mapSize < wanted) {
                env.setMapSize(wanted);
                LOG.log(System.Logger.Level.INFO, "storage map of " + directory + " grown to "
                        + wanted / (1024 * 1024) + " MiB");
            }
        } finally {
            gate.writeLock().unlock();
        }
    }

    /**
     * Grows a full map towards the configured ceiling; false if it is there already. Called by the
     * writer thread between transactions; waits for this process's reads to end.
     */
    boolean growTowardsLimit() {
        gate.writeLock().lock();
        try {
            ensureOpen();
            long current = env.info().mapSize;
            long limit = mapLimit;
            if (current >= limit) {
                return false;
            }
            long grown = Math.min(limit, granules(Math.max(current * 2, current + MIN_GROWTH)));
            env.setMapSize(grown);
            LOG.log(System.Logger.Level.INFO, "storage map of " + directory + " was full: grown from "
                    + current / (1024 * 1024) + " to " + grown / (1024 * 1024) + " MiB (ceiling "
                    + limit / (1024 * 1024) + " MiB)");
            return true;
        } finally {
            gate.writeLock().unlock();
        }
    }

    private static long granules(long bytes) {
        return Math.multiplyExact(Math.ceilDiv(bytes, MAP_SIZE_GRANULE), MAP_SIZE_GRANULE);
    }

    /** Compacted copy of the environment into {@code target}, which must be empty or absent. */
    public void backup(Path target) {
        Path directoryPath;
        try {
            if (Files.exists(target)) {
                try (var entries = Files.list(target)) {
                    if (entries.findAny().isPresent()) {
                        throw new IllegalArgumentException("The backup directory " + target
                                + " is not empty: give a new or empty directory.");
                    }
                }
            }
            directoryPath = createPrivateDirectory(target);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot use the backup directory " + target + ": " + e.getMessage(), e);
        }
        gate.readLock().lock();
        try {
            ensureOpen();
            // mdb_env_copy2 takes its own read transaction: a consistent snapshot while writes go on.
            env.copy(directoryPath.toFile(), org.lmdbjava.CopyFlags.MDB_CP_COMPACT);
        } catch (LmdbException e) {
            throw translate(e);
        } finally {
            gate.readLock().unlock();
        }
    }

    /** Clears reader slots of dead processes; true if any were cleared (and space may be free again). */
    boolean clearStaleReaders() {
        try {
            return env.readerCheck() > 0;
        } catch (LmdbException e) {
            return false;
        }
    }

    /** Turns a full map or disk into the "insufficient storage" answer; other failures pass unchanged. */
    RuntimeException translate(Throwable failure) {
        if (failure instanceof Env.MapFullException) {
            long mib = env.info().mapSize / (1024 * 1024);
            return new StorageFullException("Insufficient storage: the storage map (" + mib
                    + " MiB) is full; raise the configured storage size or free space.", failure);
        }
        if (failure instanceof LmdbNativeException e
                && (e.getResultCode() == ENOSPC || e.getResultCode() == EDQUOT)) {
            return new StorageFullException("Insufficient storage: the disk holding " + directory + " is full.", failure);
        }
        if (failure instanceof RuntimeException e) {
            return e;
        }
        return new IllegalStateException("A storage write failed: " + failure, failure);
    }

    private void adoptGrownMap() {
        gate.writeLock().lock();
        try {
            ensureOpen();
            env.setMapSize(0);
        } finally {
            gate.writeLock().unlock();
        }
    }

    private void ensureOpen() {
        if (envClosed) {
            throw new IllegalStateException("The storage in " + directory + " is closed.");
        }
    }

    private static Path createPrivateDirectory(Path directory) {
        try {
            if (!Files.isDirectory(directory)) {
                if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                    // Tenants' documents live here: only the appliance's user may read them.
                    Files.createDirectories(directory,
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } else {
                    Files.createDirectories(directory);
                }
            }
            return directory.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the storage directory " + directory + ": " + e.getMessage(), e);
        }
    }
}
