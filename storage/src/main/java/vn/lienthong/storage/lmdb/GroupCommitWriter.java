package vn.lienthong.storage.lmdb;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.lmdbjava.Env;
import org.lmdbjava.Txn;
import vn.lienthong.storage.CommitListener;

/**
 * The single writer thread: takes every write request waiting, runs them in one transaction and
 * commits once (one fsync for the group), then answers each. If the group fails (a full map, one
 * bad request) it is aborted and each request retried alone, so that only the one that fails is
 * refused and none is answered before it is durable. When fewer requests wait than the last group
 * held, it waits a moment (at most 1/8 of the last commit's time) for the callers that group
 * answered: under steady load they are writing again, and one commit for all of them beats two.
 */
final class GroupCommitWriter {

    private static final System.Logger LOG = System.getLogger(GroupCommitWriter.class.getName());
    private static final int MAX_GROUP_WRITES = 1024;
    /** Keeps a group well below LMDB's limit of dirty pages per transaction. */
    private static final long MAX_GROUP_BYTES = 64L * 1024 * 1024;
    /** The longest a group waits for the last group's callers to come back; also at most 1/8 of the last commit. */
    private static final long MAX_GATHER_NANOS = 2_000_000;

    private record Request<T>(Function<Transaction, T> work, long bytes, CompletableFuture<T> result) {
    }

    private static final Request<Void> STOP = new Request<>(tx -> null, 0, new CompletableFuture<>());

    private final LmdbEnvironment environment;
    private final CommitListener listener;
    /** Lock-free: a producer preempted while submitting holds up nobody (64 producers share two cores). */
    private final ConcurrentLinkedQueue<Request<?>> queue = new ConcurrentLinkedQueue<>();
    /** The writer thread's keys, copied to direct memory for LMDB. */
    private final ByteBuffer keyBuffer = Transaction.newKeyBuffer();
    private final Object stopLock = new Object();
    private volatile boolean stopped;
    /** True while the writer is about to park or parked for want of requests: a producer then unparks it. */
    private volatile boolean writerWaiting;
    private volatile Thread thread;

    GroupCommitWriter(LmdbEnvironment environment, CommitListener listener) {
        this.environment = environment;
        this.listener = listener;
    }

    /** Starts the thread, runs {@code setup} on it first and waits for that to finish. */
    void start(Runnable setup) {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        // A platform thread: LMDB's write lock belongs to the OS thread that took it. A daemon: a
        // program that forgets to close storage can still exit; a write cut off so was never answered.
        thread = Thread.ofPlatform().name("lmdb-writer " + environment.directory().getFileName()).daemon(true)
                .start(() -> {
                    try {
                        setup.run();
                        ready.complete(null);
                    } catch (Throwable e) {
                        ready.completeExceptionally(e);
                        return;
                    }
                    loop();
                });
        await(ready);
    }

    <T> T write(long approximateBytes, Function<Transaction, T> work) {
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException("A storage write may not wait for another write.");
        }
        Request<T> request = new Request<>(work, Math.max(0, approximateBytes), new CompletableFuture<>());
        if (stopped) {
            throw closed();
        }
        queue.add(request);
        // A stop that came meanwhile queued STOP before or after this request. If after, the writer
        // commits this one first; if before, it never takes this one, and the removal succeeds.
        if (stopped && queue.remove(request)) {
            throw closed();
        }
        if (writerWaiting) {
            LockSupport.unpark(thread);
        }
        return await(request.result());
    }

    private IllegalStateException closed() {
        return new IllegalStateException("The storage in " + environment.directory() + " is closed.");
    }

    boolean isRunning() {
        return thread.isAlive();
    }

    /** Refuses new writes, commits those already waiting and ends the thread. */
    void stop() {
        synchronized (stopLock) {
            if (stopped) {
                return;
            }
            stopped = true;
            queue.add(STOP);
        }
        LockSupport.unpark(thread);
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        List<Request<?>> group = new ArrayList<>();
        boolean stopping = false;
        int lastGroupSize = 0;
        long lastCommitNanos = 0;
        while (!stopping) {
            Request<?> next = takeUninterruptibly();
            group.clear();
            long bytes = 0;
            long gatherUntil = 0;
            while (next != null) {
                if (next == STOP) {
                    stopping = true;
                    break;
                }
                group.add(next);
                bytes += next.bytes();
                if (group.size() >= MAX_GROUP_WRITES || bytes >= MAX_GROUP_BYTES) {
                    break;
                }
                next = queue.poll();
                if (next == null && group.size() < lastGroupSize) {
                    // The callers the last commit answered are most likely writing again: a moment's wait
                    // for them costs less than an fsync spent on a fraction of them. Bounded by a share of
                    // a commit's time, so callers that do not come back cost little.
                    if (gatherUntil == 0) {
                        gatherUntil = System.nanoTime() + Math.min(MAX_GATHER_NANOS, lastCommitNanos / 8);
                    }
                    next = pollUntil(gatherUntil);
                }
            }
            if (!group.isEmpty()) {
                long started = System.nanoTime();
                commitGroup(group);
                lastCommitNanos = System.nanoTime() - started;
                lastGroupSize = group.size();
            }
        }
    }

    /** The next request if one comes before {@code deadline} (System.nanoTime), else null. */
    private Request<?> pollUntil(long deadline) {
        for (;;) {
            Request<?> next = pollOrAnnounceWait();
            if (next != null) {
                return next;
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                writerWaiting = false;
                return queue.poll();
            }
            LockSupport.parkNanos(this, remaining);
            writerWaiting = false;
            // As in takeUninterruptibly: only stop() ends the writer.
            Thread.interrupted();
        }
    }

    /**
     * The next request, or null having announced that the writer is about to wait: a producer that
     * queues after the announcement sees it and unparks the writer, one that queued before it is
     * found by the second poll (both fields are volatile, so one of the two always happens).
     */
    private Request<?> pollOrAnnounceWait() {
        Request<?> next = queue.poll();
        if (next != null) {
            return next;
        }
        writerWaiting = true;
        next = queue.poll();
        if (next != null) {
            writerWaiting = false;
        }
        return next;
    }

    private void commitGroup(List<Request<?>> group) {
        if (group.size() > 1) {
            try {
                commit(group);
                return;
            } catch (Throwable e) {
                // Someone in the group failed; find out who by committing each alone.
            }
        }
        for (Request<?> request : group) {
            try {
                commitAlone(request);
            } catch (Throwable e) {
                request.result().completeExceptionally(environment.translate(e));
            }
        }
    }

    private void commitAlone(Request<?> request) throws Throwable {
        try {
            commit(List.of(request));
        } catch (Env.MapFullException e) {
            // A process that died while reading pins old pages; once its slot is cleared they are free.
            // Failing that, grow the map while the configured ceiling allows.
            Env.MapFullException last = e;
            boolean retry = environment.clearStaleReaders() || environment.growTowardsLimit();
            while (retry) {
                try {
                    commit(List.of(request));
                    return;
                } catch (Env.MapFullException again) {
                    last = again;
                    retry = environment.growTowardsLimit();
                }
            }
            throw last;
        }
    }

    private void commit(List<Request<?>> group) {
        long started = System.nanoTime();
        Object[] results = new Object[group.size()];
        List<Runnable> afterCommit = new ArrayList<>();
        Txn<ByteBuffer> txn = environment.begin(false);
        try (txn) {
            for (int i = 0; i < group.size(); i++) {
                Transaction tx = new Transaction(txn, environment.dbis(), keyBuffer);
                results[i] = group.get(i).work().apply(tx);
                afterCommit.addAll(tx.afterCommitActions());
            }
            txn.commit();
        } finally {
            environment.endTransaction();
        }
        // Durable from here on: nothing below may make the group be retried.
        notifyQuietly(() -> listener.committed(group.size(), Duration.ofNanos(System.nanoTime() - started)));
        afterCommit.forEach(GroupCommitWriter::notifyQuietly);
        for (int i = 0; i < group.size(); i++) {
            complete(group.get(i), results[i]);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void complete(Request<T> request, Object result) {
        request.result().complete((T) result);
    }

    private static void notifyQuietly(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "A storage commit listener failed: " + e);
        }
    }

    private Request<?> takeUninterruptibly() {
        for (;;) {
            Request<?> next = pollOrAnnounceWait();
            if (next != null) {
                return next;
            }
            LockSupport.park(this);
            writerWaiting = false;
            // Only stop() ends the writer, after draining: an interrupt must not drop requests.
            Thread.interrupted();
        }
    }

    /** Waits without giving up on interrupt: the write may already be committed, so its caller must hear. */
    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        }
    }
}
