package vn.lienthong.storage.lmdb;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.lmdbjava.Env;
import org.lmdbjava.Txn;
import vn.lienthong.storage.CommitListener;

/**
 * The single writer thread: takes every write request waiting, runs them in one transaction and
 * commits once (one fsync for the group), then answers each. If the group fails (a full map, one
 * bad request) it is aborted and each request retried alone, so that only the one that fails is
 * refused and none is answered before it is durable.
 *
 * <p>The writer is the one thing every write waits for, so it does as little else as it can. It runs
 * each request as soon as it takes it, while the rest of the group is still arriving, rather than
 * gathering first and running them all after. A large group of platform-thread callers is answered
 * by a second thread, so the writer can begin the next group while they are being woken (on two
 * cores, waking 64 platform threads takes about as long as running their writes). Virtual-thread
 * callers, as the appliance's request handlers are, the writer answers itself: waking one only
 * queues it for its carrier, which costs less than waking the second thread.
 *
 * <p>When fewer requests wait than the last group held, it waits a moment (at most 1/8 of the last
 * group's time) for the callers that group answered: under steady load they are writing again, and
 * one commit for all of them beats two.
 */
final class GroupCommitWriter {

    private static final System.Logger LOG = System.getLogger(GroupCommitWriter.class.getName());
    private static final int MAX_GROUP_WRITES = 1024;
    /** Keeps a group well below LMDB's limit of dirty pages per transaction. */
    private static final long MAX_GROUP_BYTES = 64L * 1024 * 1024;
    /** The longest a group waits for the last group's callers to come back; also at most 1/8 of the last group. */
    private static final long MAX_GATHER_NANOS = 2_000_000;
    /** Groups up to this size are answered by the writer itself: handing them over costs more than it saves. */
    private static final int ANSWERED_BY_WRITER = 2;

    /**
     * A write waiting for the writer; {@code virtualCaller}: made on a virtual thread; {@code intake}:
     * brings new data in, and is refused while the store is above its intake watermark.
     */
    private record Request<T>(Function<Transaction, T> work, long bytes, CompletableFuture<T> result,
                              boolean virtualCaller, boolean intake) {
    }

    /** A committed group, durable, and what its callers are to be told. */
    private record Committed(List<Request<?>> group, Object[] results, List<Runnable> afterCommit, Duration took) {
    }

    private static final Request<Void> STOP = new Request<>(tx -> null, 0, new CompletableFuture<>(), false, false);

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
    /** Answers large groups (wakes their callers) while the writer goes on; see the class comment. */
    private final LinkedBlockingQueue<Committed> toAnswer = new LinkedBlockingQueue<>();
    private volatile Thread answerer;
    /** Set by the writer thread when it takes STOP: the group it was gathering is the last. */
    private boolean stopTaken;

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
        answerer = Thread.ofPlatform().name("lmdb-answers " + environment.directory().getFileName()).daemon(true)
                .start(this::answerLoop);
    }

    <T> T write(long approximateBytes, Function<Transaction, T> work) {
        return write(approximateBytes, work, false);
    }

    <T> T write(long approximateBytes, Function<Transaction, T> work, boolean intake) {
        if (Thread.currentThread() == thread) {
            throw new IllegalStateException("A storage write may not wait for another write.");
        }
        Request<T> request = new Request<>(work, Math.max(0, approximateBytes), new CompletableFuture<>(),
                Thread.currentThread().isVirtual(), intake);
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
        // The writer hands the answerer an empty group as its last, once every group is answered or handed.
        boolean interrupted = joinUninterruptibly(thread);
        interrupted |= joinUninterruptibly(answerer);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Joins {@code t}; true if this thread was interrupted meanwhile. */
    private static boolean joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        return interrupted;
    }

    private void loop() {
        List<Request<?>> group = new ArrayList<>();
        boolean stopping = false;
        int lastGroupSize = 0;
        long lastGroupNanos = 0;
        while (!stopping) {
            Request<?> next = takeUninterruptibly();
            if (next == STOP) {
                break;
            }
            long started = System.nanoTime();
            group.clear();
            Committed committed = null;
            Throwable failure = null;
            try {
                committed = commit(group, next, started, true, lastGroupSize,
                        Math.min(MAX_GATHER_NANOS, lastGroupNanos / 8));
            } catch (Throwable e) {
                failure = e;
            }
            stopping = stopTaken;
            if (committed != null) {
                answer(committed);
            } else if (group.isEmpty()) {
                // It failed before any write ran (the first may have been refused at the watermark: then a no-op).
                next.result().completeExceptionally(environment.translate(failure));
            } else if (group.size() == 1 && !(failure instanceof Env.MapFullException)) {
                group.getFirst().result().completeExceptionally(environment.translate(failure));
            } else {
                // Someone in the group failed (or the map is full): find out who by committing each alone.
                commitEachAlone(group);
            }
            lastGroupNanos = System.nanoTime() - started;
            lastGroupSize = group.size();
        }
        toAnswer.add(new Committed(List.of(), new Object[0], List.of(), Duration.ZERO));
    }

    /**
     * Begins a transaction, runs {@code first} and, if {@code gather}, every request that arrives
     * while the group is open, adding each to {@code group}, then commits. Taking STOP ends the group
     * (see stopTaken). Returns what to answer; throws if any request or the commit failed (nothing is
     * then kept).
     */
    private Committed commit(List<Request<?>> group, Request<?> first, long started, boolean gather,
                             int lastGroupSize, long gatherNanos) {
        List<Object> results = new ArrayList<>();
        List<Runnable> afterCommit = new ArrayList<>();
        Transaction.Shared shared = new Transaction.Shared();
        Txn<ByteBuffer> txn = environment.begin(false);
        try (txn) {
            long bytes = 0;
            long gatherUntil = 0;
            // The store's occupancy with this group's intake so far; read at the group's first intake write.
            long occupied = -1;
            Request<?> next = first;
            while (next != null) {
                if (next == STOP) {
                    stopTaken = true;
                    break;
                }
                if (next.intake() && environment.limitsIntake()) {
                    if (occupied < 0) {
                        occupied = environment.occupiedBytes(new Transaction(txn, environment.dbis(), keyBuffer, shared));
                    }
                    if (environment.admitsIntake(occupied)) {
                        occupied += next.bytes();
                    } else {
                        // Refused before it runs: nothing of it is in the transaction, and the group goes on.
                        next.result().completeExceptionally(environment.intakeClosed(occupied));
                        next = gather ? queue.poll() : null;
                        continue;
                    }
                }
                group.add(next);
                Transaction tx = new Transaction(txn, environment.dbis(), keyBuffer, shared);
                results.add(next.work().apply(tx));
                afterCommit.addAll(tx.afterCommitActions());
                bytes += next.bytes();
                if (!gather || group.size() >= MAX_GROUP_WRITES || bytes >= MAX_GROUP_BYTES) {
                    break;
                }
                next = queue.poll();
                if (next == null && group.size() < lastGroupSize) {
                    // The callers the last group answered are most likely writing again: a moment's wait
                    // for them costs less than an fsync spent on a fraction of them. Bounded by a share of
                    // a group's time, so callers that do not come back cost little.
                    if (gatherUntil == 0) {
                        gatherUntil = started + gatherNanos;
                    }
                    next = pollUntil(gatherUntil);
                }
            }
            shared.runBeforeCommit();
            txn.commit();
        } finally {
            environment.endTransaction();
        }
        return new Committed(List.copyOf(group), results.toArray(), afterCommit,
                Duration.ofNanos(System.nanoTime() - started));
    }

    private void commitEachAlone(List<Request<?>> group) {
        for (Request<?> request : group) {
            try {
                answer(commitAlone(request));
            } catch (Throwable e) {
                request.result().completeExceptionally(environment.translate(e));
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

    private Committed commitAlone(Request<?> request) {
        try {
            return commit(new ArrayList<>(), request, System.nanoTime(), false, 0, 0);
        } catch (Env.MapFullException e) {
            // A process that died while reading pins old pages; once its slot is cleared they are free.
            // Failing that, grow the map while the configured ceiling allows.
            Env.MapFullException last = e;
            boolean retry = environment.clearStaleReaders() || environment.growTowardsLimit();
            while (retry) {
                try {
                    return commit(new ArrayList<>(), request, System.nanoTime(), false, 0, 0);
                } catch (Env.MapFullException again) {
                    last = again;
                    retry = environment.growTowardsLimit();
                }
            }
            throw last;
        }
    }

    /**
     * Durable from here on: nothing below may make the group be retried. Waking a platform thread is a
     * system call and a context switch, waking a virtual thread a push onto its scheduler's queue; the
     * hand-over itself wakes the answerer (measured: the next group began about 0.2 ms later with 64
     * virtual callers handed over than answered here).
     */
    private void answer(Committed committed) {
        if (committed.group().size() <= ANSWERED_BY_WRITER || allVirtual(committed.group())) {
            answerNow(committed);
        } else {
            toAnswer.add(committed);
        }
    }

    private static boolean allVirtual(List<Request<?>> group) {
        for (Request<?> request : group) {
            if (!request.virtualCaller()) {
                return false;
            }
        }
        return true;
    }

    private void answerNow(Committed committed) {
        if (committed.group().isEmpty()) {
            return; // every write of it was refused at the intake watermark: nothing was committed
        }
        notifyQuietly(() -> listener.committed(committed.group().size(), committed.took()));
        committed.afterCommit().forEach(GroupCommitWriter::notifyQuietly);
        for (int i = 0; i < committed.group().size(); i++) {
            complete(committed.group().get(i), committed.results()[i]);
        }
    }

    /** Runs on the answerer thread until the writer hands it an empty group, its last. */
    private void answerLoop() {
        for (;;) {
            Committed committed;
            try {
                committed = toAnswer.take();
            } catch (InterruptedException e) {
                continue; // only the writer's last, empty group ends this thread: callers must hear
            }
            if (committed.group().isEmpty()) {
                return;
            }
            answerNow(committed);
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
