package vn.lienthong.hsm.token;

import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import javax.security.auth.login.LoginException;
import vn.lienthong.hsm.HsmException;

/**
 * Keeps one token usable through its faults. While the token is up, operations run on it; an
 * operation that fails because of the token (device error, session or login lost, token removed)
 * marks it down, and from then on every operation fails at once with a
 * {@link TokenUnavailableException} instead of waiting on the device. {@link #check()}, called
 * periodically, reopens a down token (a new provider and one login) or, while it is up, makes a
 * keep-alive test signature. A refused PIN stops the reopening for good: trying it again would
 * count towards locking the token, so the operator must fix the PIN and restart.
 *
 * <p>Safe for many threads. An operation asked for on a virtual thread runs on one of a few platform threads
 * of the supervisor's own while the virtual thread waits: PKCS#11 blocks in native code and would pin the
 * virtual thread's carrier.
 */
public final class TokenSupervisor implements AutoCloseable {

    /** Platform threads that run the operations asked for on virtual threads. */
    static final int HSM_THREADS = 4;

    private static final System.Logger LOG = System.getLogger(TokenSupervisor.class.getName());

    /** Opens a token: {@link Token#open} for real; tests wrap it to inject faults. */
    @FunctionalInterface
    public interface Opener {
        Token open(TokenConfig config);
    }

    /** Runs an operation on the token: directly for real; tests wrap it to inject faults. */
    @FunctionalInterface
    public interface Boundary {
        <T> T call(Token token, Function<Token, T> operation);
    }

    /** The boundary that injects nothing. */
    public static final Boundary DIRECT = new Boundary() {
        @Override
        public <T> T call(Token token, Function<Token, T> operation) {
            return operation.apply(token);
        }
    };

    private final TokenConfig config;
    private final Opener opener;
    private final Boundary boundary;
    private volatile Token token;
    /** Why the token is down, or {@code null} while it is up. */
    private volatile String downBecause;
    private volatile boolean pinRefused;
    private final AtomicLong reopenings = new AtomicLong();
    private final ExecutorService hsmThreads;

    /**
     * Opens the token at once: a token that cannot be opened at start (a wrong PIN, a wrong label)
     * is the operator's to fix, and {@link HsmException} says so in one sentence.
     */
    public TokenSupervisor(TokenConfig config, Opener opener, Boundary boundary) {
        this.config = Objects.requireNonNull(config, "config");
        this.opener = Objects.requireNonNull(opener, "opener");
        this.boundary = Objects.requireNonNull(boundary, "boundary");
        this.token = opener.open(config);
        this.hsmThreads = Executors.newFixedThreadPool(HSM_THREADS,
                Thread.ofPlatform().name("hsm-" + config.label() + "-", 0).daemon().factory());
    }

    /** Opens the real token, injecting nothing. */
    public static TokenSupervisor open(TokenConfig config) {
        return new TokenSupervisor(config, Token::open, DIRECT);
    }

    public String label() {
        return config.label();
    }

    /** True while the token answers. */
    public boolean up() {
        return downBecause == null;
    }

    /** How many times the token was opened again after a fault. */
    public long reopenings() {
        return reopenings.get();
    }

    /**
     * Runs the operation on the token.
     *
     * @throws TokenUnavailableException at once while the token is down, or when this operation
     *                                   found it failing (retry later)
     * @throws HsmException              for failures that are not the token's (a missing key, say)
     */
    public <T> T use(Function<Token, T> operation) {
        if (!Thread.currentThread().isVirtual()) {
            return useHere(operation);
        }
        Future<T> done;
        try {
            done = hsmThreads.submit(() -> useHere(operation));
        } catch (RejectedExecutionException e) {
            throw new HsmException("the HSM token '" + label() + "' has been closed");
        }
        try {
            return done.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new HsmException("the HSM operation failed: " + HsmException.rootMessage(e.getCause()), e.getCause());
        } catch (InterruptedException e) {
            done.cancel(false);
            Thread.currentThread().interrupt();
            throw new HsmException("interrupted while waiting for the HSM token '" + label() + "'");
        }
    }

    private <T> T useHere(Function<Token, T> operation) {
        String reason = downBecause;
        if (reason != null) {
            throw unavailable(reason, null);
        }
        Token current = token;
        try {
            return boundary.call(current, operation);
        } catch (RuntimeException e) {
            if (!isTokenFault(e)) {
                throw e;
            }
            String why = HsmException.rootMessage(e);
            markDown(current, why);
            throw unavailable(why, e);
        }
    }

    /**
     * The periodic check: reopens a down token, or probes an up one with the given test operation
     * (a keep-alive signature). Returns whether the token is up afterwards; never throws.
     */
    public boolean check(Function<Token, ?> probe) {
        if (downBecause == null) {
            try {
                use(probe);
            } catch (RuntimeException e) {
                // A token fault marked it down (reopened below); anything else is not the token's.
            }
        }
        if (downBecause != null && !pinRefused) {
            reopen();
        }
        return up();
    }

    private synchronized void reopen() {
        if (downBecause == null || pinRefused) {
            return;
        }
        try {
            token.close();
        } catch (RuntimeException e) {
            // It is broken already; the new login below is what matters.
        }
        try {
            token = opener.open(config);
            reopenings.incrementAndGet();
            downBecause = null;
            LOG.log(System.Logger.Level.INFO, "HSM token '" + label() + "' is back: reopened and logged in again");
        } catch (HsmException e) {
            if (e.getMessage() != null && e.getMessage().contains("PIN")) {
                pinRefused = true;
                downBecause = e.getMessage();
                LOG.log(System.Logger.Level.ERROR, e.getMessage() + "; not trying again: fix the PIN and restart");
            } else {
                downBecause = e.getMessage();
            }
        }
    }

    private synchronized void markDown(Token failed, String why) {
        if (failed == token && downBecause == null) {
            downBecause = why;
            LOG.log(System.Logger.Level.WARNING, "HSM token '" + label() + "' failed (" + why
                    + "): signing is refused until it is reopened");
        }
    }

    private TokenUnavailableException unavailable(String reason, Throwable cause) {
        return new TokenUnavailableException("the HSM token '" + label() + "' is unavailable (" + reason
                + "); try again later", cause);
    }

    /**
     * True for failures of the token rather than of the request: the PKCS#11 codes of a lost
     * device, session or login, and SunPKCS11's wrapping of them.
     */
    static boolean isTokenFault(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = String.valueOf(t.getMessage());
            // SunPKCS11 asks for a PIN again when the login was lost: the token's fault, not the request's.
            if (t instanceof LoginException || message.contains("CKR_DEVICE_ERROR") || message.contains("CKR_DEVICE_REMOVED")
                    || message.contains("CKR_DEVICE_MEMORY") || message.contains("CKR_TOKEN_NOT_PRESENT")
                    || message.contains("CKR_TOKEN_NOT_RECOGNIZED") || message.contains("CKR_SESSION_CLOSED")
                    || message.contains("CKR_SESSION_HANDLE_INVALID") || message.contains("CKR_USER_NOT_LOGGED_IN")
                    || message.contains("CKR_CRYPTOKI_NOT_INITIALIZED") || message.contains("CKR_GENERAL_ERROR")
                    || message.contains("CKR_KEY_HANDLE_INVALID") || message.contains("CKR_OBJECT_HANDLE_INVALID")
                    || message.contains("has been closed")) {
                return true;
            }
        }
        return false;
    }

    /** Logs out of the token. */
    @Override
    public void close() {
        hsmThreads.shutdownNow();
        token.close();
    }

    /** The token as it is now (its provider changes when it is reopened). */
    public Token current() {
        return token;
    }
}
