package vn.lienthong.appliance.tls;

import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bounded pool of platform threads ({@code hsm.handshake-signers}) that makes every TLS handshake's HSM
 * signature: PKCS#11 blocks in native code and would pin a virtual thread's carrier, and a flood of ClientHellos
 * must cost at most this many HSM operations at once. A handshake that gets no signer within the wait (2 s) is
 * dropped with a {@link SignerBusyException}.
 */
public final class HandshakeSigners implements AutoCloseable {

    /** The default pool size. */
    public static final int DEFAULT_SIGNERS = 4;
    /** The longest a handshake waits for a free signer. */
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(2);

    /** One signature made with the HSM key. */
    @FunctionalInterface
    public interface Signing {
        byte[] sign() throws GeneralSecurityException;
    }

    private final ExecutorService threads;
    private final Duration wait;
    private final AtomicLong dropped;
    private final Runnable onDropped;
    /** False for a {@linkplain #reporting view}, which shares the threads and does not stop them. */
    private final boolean owner;

    public HandshakeSigners(int signers, Duration wait) {
        if (signers < 1) {
            throw new IllegalArgumentException("hsm.handshake-signers must be at least 1, not " + signers);
        }
        this.wait = Objects.requireNonNull(wait, "wait");
        this.threads = new ThreadPoolExecutor(signers, signers, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                Thread.ofPlatform().name("tls-hsm-signer-", 0).daemon().factory());
        this.dropped = new AtomicLong();
        this.onDropped = () -> { };
        this.owner = true;
    }

    private HandshakeSigners(HandshakeSigners pool, Runnable onDropped) {
        this.threads = pool.threads;
        this.wait = pool.wait;
        this.dropped = pool.dropped;
        this.onDropped = onDropped;
        this.owner = false;
    }

    /**
     * The same signers, telling {@code onDropped} of each handshake this view drops (a listener counts its own
     * refusals); closing the view does not stop the signers.
     */
    public HandshakeSigners reporting(Runnable onDropped) {
        return new HandshakeSigners(this, Objects.requireNonNull(onDropped, "onDropped"));
    }

    /** {@value #DEFAULT_SIGNERS} signers, a wait of 2 s. */
    public static HandshakeSigners withDefaults() {
        return new HandshakeSigners(DEFAULT_SIGNERS, DEFAULT_WAIT);
    }

    /**
     * Signs on one of the pool's threads; the future fails with a {@link SignerBusyException} when no signer
     * took the work within the wait (the signature is then never made).
     */
    public CompletableFuture<byte[]> submit(Signing signing) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        AtomicBoolean claimed = new AtomicBoolean();
        CompletableFuture.delayedExecutor(wait.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            if (claimed.compareAndSet(false, true)) {
                dropped.incrementAndGet();
                onDropped.run();
                result.completeExceptionally(new SignerBusyException("no HSM signer was free for this TLS handshake"
                        + " within " + wait.toMillis() + " ms; the handshake is dropped"));
            }
        });
        try {
            threads.execute(() -> {
                if (!claimed.compareAndSet(false, true)) {
                    return;
                }
                try {
                    result.complete(signing.sign());
                } catch (GeneralSecurityException | RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            if (claimed.compareAndSet(false, true)) {
                result.completeExceptionally(new SignerBusyException("the TLS handshake signers have stopped"));
            }
        }
        return result;
    }

    /** As {@link #submit}, waiting for the signature (a virtual thread waits without pinning its carrier). */
    public byte[] sign(Signing signing) throws GeneralSecurityException {
        try {
            return submit(signing).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GeneralSecurityException security) {
                throw security;
            }
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new java.security.SignatureException("the HSM signature failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.security.SignatureException("interrupted while waiting for an HSM signer");
        }
    }

    /** Handshakes dropped because no signer was free in time. */
    public long dropped() {
        return dropped.get();
    }

    @Override
    public void close() {
        if (!owner) {
            return;
        }
        threads.shutdownNow();
    }
}
