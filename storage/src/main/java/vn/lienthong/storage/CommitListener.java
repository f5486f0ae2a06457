package vn.lienthong.storage;

import java.time.Duration;

/**
 * Told of every committed write transaction, for metrics (commit latency, writes per group commit).
 * Called on the storage's writer thread or on the thread that answers its large groups: it must be
 * thread-safe, return quickly and not call back into storage.
 */
@FunctionalInterface
public interface CommitListener {

    /** A transaction holding {@code writes} write requests was committed to disk in {@code took}. */
    void committed(int writes, Duration took);

    /** A listener that ignores every commit. */
    static CommitListener none() {
        return (writes, took) -> {
        };
    }
}
