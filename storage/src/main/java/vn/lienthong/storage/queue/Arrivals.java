package vn.lienthong.storage.queue;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * In-process news of committed inbox puts, per tenant, for long-polls. A waiter reads the version,
 * checks storage, and waits only while the version is unchanged, so no arrival is missed.
 */
final class Arrivals {

    private static final class Signal {
        final ReentrantLock lock = new ReentrantLock();
        final Condition changed = lock.newCondition();
        long version;
    }

    private final ConcurrentHashMap<String, Signal> signals = new ConcurrentHashMap<>();

    long version(String tenant) {
        Signal signal = signal(tenant);
        signal.lock.lock();
        try {
            return signal.version;
        } finally {
            signal.lock.unlock();
        }
    }

    /** Called after a commit that gave the tenant a new message. */
    void arrived(String tenant) {
        Signal signal = signal(tenant);
        signal.lock.lock();
        try {
            signal.version++;
            signal.changed.signalAll();
        } finally {
            signal.lock.unlock();
        }
    }

    /** Waits up to {@code nanos} for the version to move past {@code seen}; true if it did. */
    boolean awaitAfter(String tenant, long seen, long nanos) throws InterruptedException {
        Signal signal = signal(tenant);
        signal.lock.lock();
        try {
            long left = nanos;
            while (signal.version == seen) {
                if (left <= 0) {
                    return false;
                }
                left = signal.changed.awaitNanos(left);
            }
            return true;
        } finally {
            signal.lock.unlock();
        }
    }

    private Signal signal(String tenant) {
        return signals.computeIfAbsent(tenant, t -> new Signal());
    }
}
