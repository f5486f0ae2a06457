package vn.lienthong.storage;

import java.nio.file.Path;
import vn.lienthong.storage.queue.Inbox;
import vn.lienthong.storage.queue.Outbox;
import vn.lienthong.storage.registry.Registry;

/**
 * The appliance's LMDB environment in one directory: outbox and inbox queues per tenant and the
 * registry. Every write returns only after its transaction is committed to disk. Several processes
 * (the service and the operator CLI) may open the same directory at once.
 */
public final class Storage implements AutoCloseable {

    private Storage() {
    }

    /** Opens (creating if needed) the environment in {@code directory} with the given map size. */
    public static Storage open(Path directory, long mapSizeBytes) {
        throw new UnsupportedOperationException("TODO");
    }

    public Outbox outbox() {
        throw new UnsupportedOperationException("TODO");
    }

    public Inbox inbox() {
        throw new UnsupportedOperationException("TODO");
    }

    public Registry registry() {
        throw new UnsupportedOperationException("TODO");
    }

    /** True while the environment answers a read transaction. */
    public boolean isHealthy() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Bytes of the map in use and the map's size, for metrics. */
    public MapUsage mapUsage() {
        throw new UnsupportedOperationException("TODO");
    }

    @Override
    public void close() {
    }
}
