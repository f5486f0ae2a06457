package vn.lienthong.appliance.tls;

import java.net.SocketAddress;
import java.security.cert.CertificateException;
import java.nio.channels.ClosedChannelException;

/**
 * Told of every TLS handshake a listener completes or fails, for metrics such as
 * {@code lienthong_tls_handshakes_total{listener,outcome}} and for the operator's log. Called on a network
 * thread: it must return quickly and not block.
 */
@FunctionalInterface
public interface TlsHandshakeListener {

    /** A listener that ignores every handshake. */
    TlsHandshakeListener NONE = outcome -> { };

    void handshake(Outcome outcome);

    /** How one handshake ended. */
    sealed interface Outcome {
        /** The peer's address. */
        SocketAddress remote();
    }

    /** The handshake completed with this protocol version, suite (JSSE name) and ALPN protocol ("" if none). */
    record Succeeded(SocketAddress remote, String protocol, String cipherSuite, String applicationProtocol)
            implements Outcome {
    }

    /**
     * The listener refused the connection by its own admission rules rather than by a failed check of TLS:
     * {@code outcome} is the metric label ({@code unpinned}, {@code signer-busy}, {@code connection-limit},
     * {@code address-limit}), the reason one sentence for the log.
     */
    record Refused(SocketAddress remote, String outcome, String reason) implements Outcome {
    }

    /**
     * The session value under which a part of the handshake that failed by an admission rule leaves its
     * {@link AdmissionRefusal}, for an engine (BoringSSL) that does not carry the cause to the handshake's failure.
     */
    String REFUSAL_SESSION_KEY = "lienthong.admission-refusal";

    /**
     * How a failed handshake is told: {@link Refused} when an admission rule refused it (found in the cause or
     * left in {@code session}, which may be null), else {@link Failed}.
     */
    static Outcome failure(SocketAddress remote, Throwable cause, javax.net.ssl.SSLSession session) {
        if (session != null && session.getValue(REFUSAL_SESSION_KEY) instanceof AdmissionRefusal refusal) {
            return new Refused(remote, refusal.outcome(), ((Throwable) refusal).getMessage());
        }
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof AdmissionRefusal refusal) {
                return new Refused(remote, refusal.outcome(), t.getMessage());
            }
        }
        return Failed.of(remote, cause);
    }

    /** A failure (a {@link Throwable}) that is an admission rule's refusal, with its metric label. */
    interface AdmissionRefusal {
        String outcome();
    }

    /** The handshake failed; the reason is one sentence for the log, never a secret. */
    record Failed(SocketAddress remote, String reason) implements Outcome {

        /** The clearest reason found in a handshake failure: a certificate check's own sentence if there is one. */
        public static Failed of(SocketAddress remote, Throwable cause) {
            for (Throwable t = cause; t != null; t = t.getCause()) {
                if (t instanceof CertificateException && t.getMessage() != null) {
                    return new Failed(remote, t.getMessage());
                }
                if (t instanceof ClosedChannelException) {
                    return new Failed(remote, "the connection closed before the TLS handshake completed");
                }
            }
            String message = cause == null ? null : cause.getMessage();
            return new Failed(remote, message == null ? String.valueOf(cause) : message);
        }
    }
}
