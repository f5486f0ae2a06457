package vn.lienthong.hsm.batch;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import vn.lienthong.hsm.HsmException;

/**
 * Signs for one key at the HSM's ceiling and beyond, as X-Road's batch signing does: while the key
 * is idle a request is signed at once, as a plain detached CMS over its content (so an idle signer
 * costs one HSM signature), in the caller's thread if it is a platform thread, else handed to the
 * signer's own platform thread (a PKCS#11 call blocks in native code and would pin a virtual
 * thread's carrier); requests that arrive while it is busy wait,
 * and when the signature under way is done one worker takes all that are waiting (at most {@code maxBatch}), builds a Merkle tree over
 * their {@linkplain #entry entries}, has the HSM sign the tree's {@link BatchRoot} once and gives
 * each caller its inclusion proof. A batch never waits for more requests to come.
 *
 * <p>Safe for many threads. {@link #close()} stops the worker and fails what is still waiting.
 */
public final class BatchSigner implements AutoCloseable {

    /** The default upper bound of a batch. */
    public static final int DEFAULT_MAX_BATCH = 256;

    private final String name;
    private final DetachedSigner signer;
    private final int maxBatch;
    private final IntConsumer batchSizes;
    private final LinkedBlockingQueue<Request> waiting = new LinkedBlockingQueue<>();
    /**
     * One signature at a time per key: what arrives meanwhile waits and joins the next batch, which is
     * what makes the batches (the HSM's other sessions serve the other keys).
     */
    private final Semaphore hsm = new Semaphore(1);
    /** Requests queued and not yet taken into a batch. */
    private final AtomicInteger queued = new AtomicInteger();
    private final Thread worker;
    private volatile boolean closed;

    /**
     * @param name       names the key in thread names and errors (never secret)
     * @param signer     signs one content with the key
     * @param maxBatch   the most entries one HSM signature covers
     * @param batchSizes told the number of requests each HSM signature served (1 for a lone one)
     */
    public BatchSigner(String name, DetachedSigner signer, int maxBatch, IntConsumer batchSizes) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("a batch holds at least one request, not " + maxBatch);
        }
        this.name = Objects.requireNonNull(name, "name");
        this.signer = Objects.requireNonNull(signer, "signer");
        this.maxBatch = maxBatch;
        this.batchSizes = Objects.requireNonNull(batchSizes, "batchSizes");
        // A platform thread: a PKCS#11 call pins a virtual thread's carrier anyway.
        this.worker = Thread.ofPlatform().name("batch-signer-" + name).daemon().start(this::work);
    }

    /** The entry a content becomes in a batch's tree: its SHA-256 (so a tree's leaves are digests). */
    public static byte[] entry(byte[] content) {
        return MerkleTree.sha256().digest(content);
    }

    /**
     * Signs the content, alone or in a batch, and blocks until it is signed.
     *
     * @throws HsmException when the HSM fails (every request of the batch gets the same failure)
     */
    public BatchSignature sign(byte[] content) {
        Objects.requireNonNull(content, "content");
        ensureOpen();
        // Idle, on a platform thread: no reason to make the caller wait for a thread hand-over. A virtual
        // thread's request goes to the worker, which takes it at once when idle (a batch of one).
        if (!Thread.currentThread().isVirtual() && queued.get() == 0 && hsm.tryAcquire()) {
            try {
                BatchSignature signature = new BatchSignature.Single(signer.signDetached(content));
                batchSizes.accept(1);
                return signature;
            } finally {
                hsm.release();
            }
        }
        Request request = new Request(content, new CompletableFuture<>());
        queued.incrementAndGet();
        waiting.add(request);
        if (closed) {
            fail(List.of(request), closedException());
        }
        try {
            return request.result().get();
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HsmException("interrupted while waiting for key '" + name + "' to sign");
        }
    }

    private void work() {
        List<Request> batch = new ArrayList<>(maxBatch);
        while (!closed) {
            try {
                batch.add(waiting.take());
                // Whatever arrives while another signature is made joins this batch.
                hsm.acquire();
            } catch (InterruptedException e) {
                fail(batch, closedException());
                break;
            }
            try {
                waiting.drainTo(batch, maxBatch - 1);
                queued.addAndGet(-batch.size());
                signBatch(batch);
            } finally {
                hsm.release();
                batch.clear();
            }
        }
        List<Request> left = new ArrayList<>();
        waiting.drainTo(left);
        fail(left, closedException());
    }

    private void signBatch(List<Request> batch) {
        try {
            if (batch.size() == 1) {
                Request only = batch.getFirst();
                only.result().complete(new BatchSignature.Single(signer.signDetached(only.content())));
            } else {
                List<byte[]> entries = new ArrayList<>(batch.size());
                for (Request request : batch) {
                    entries.add(entry(request.content()));
                }
                MerkleTree tree = MerkleTree.of(entries);
                BatchRoot root = BatchRoot.of(tree);
                byte[] cms = signer.signDetached(root.encode());
                for (int i = 0; i < batch.size(); i++) {
                    batch.get(i).result().complete(new BatchSignature.Batched(cms, root, tree.proof(i)));
                }
            }
            batchSizes.accept(batch.size());
        } catch (RuntimeException e) {
            fail(batch, e);
        }
    }

    private static void fail(List<Request> requests, RuntimeException failure) {
        requests.forEach(request -> request.result().completeExceptionally(failure));
    }

    private static RuntimeException rethrow(Throwable cause) {
        if (cause instanceof CompletionException wrapped && wrapped.getCause() != null) {
            cause = wrapped.getCause();
        }
        if (cause instanceof RuntimeException runtime) {
            return runtime;
        }
        return new HsmException("signing failed: " + HsmException.rootMessage(cause), cause);
    }

    private void ensureOpen() {
        if (closed) {
            throw closedException();
        }
    }

    private HsmException closedException() {
        return new HsmException("the signer of key '" + name + "' has stopped");
    }

    /** Requests queued and not yet taken into a batch (for tests). */
    int waiting() {
        return queued.get();
    }

    /** Signatures under way: 0 or 1 (for tests). */
    int signing() {
        return 1 - hsm.availablePermits();
    }

    /** Stops the worker; requests still waiting fail with an {@link HsmException}. */
    @Override
    public void close() {
        closed = true;
        worker.interrupt();
        try {
            worker.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Request> left = new ArrayList<>();
        waiting.drainTo(left);
        fail(left, closedException());
    }

    private record Request(byte[] content, CompletableFuture<BatchSignature> result) {
    }
}
