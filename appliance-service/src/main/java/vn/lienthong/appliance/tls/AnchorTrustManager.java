package vn.lienthong.appliance.tls;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import vn.lienthong.hsm.trust.CertificateRejectedException;
import vn.lienthong.hsm.trust.ChainValidator;
import vn.lienthong.hsm.trust.RevocationCheck;

/**
 * Validates a peer's certificate chain with PKIX (RFC 5280) against trust anchors read again at every
 * handshake, so an anchor the operator adds or removes takes effect without a restart; then runs an optional
 * extra check. Validation is the JDK's own PKIX trust manager over the current anchors: it also checks the
 * extended key usage for the TLS role and, on a client whose endpoint identification is "HTTPS", that the
 * server's certificate names the host (RFC 9110 §4.3.4). Each certificate of the chain is then checked
 * against the CRLs held, when given.
 */
public final class AnchorTrustManager extends X509ExtendedTrustManager {

    /** A check run after the chain has been validated, such as revocation or mapping the peer to a tenant. */
    @FunctionalInterface
    public interface PeerCheck {
        /** Throws with a plain sentence when the validated chain (leaf first) must still be refused. */
        void check(X509Certificate[] chain) throws CertificateException;
    }

    private final Supplier<? extends Collection<X509Certificate>> anchors;
    private final Supplier<? extends RevocationCheck> revocations;
    private final PeerCheck extraCheck;
    private final AtomicReference<Validator> current = new AtomicReference<>();

    /** Validation against the anchors only. */
    public AnchorTrustManager(Supplier<? extends Collection<X509Certificate>> anchors) {
        this(anchors, chain -> { });
    }

    public AnchorTrustManager(Supplier<? extends Collection<X509Certificate>> anchors, PeerCheck extraCheck) {
        this(anchors, () -> RevocationCheck.NONE, extraCheck);
    }

    /** Validation against the anchors and the CRLs held, both read at every handshake; then the extra check. */
    public AnchorTrustManager(Supplier<? extends Collection<X509Certificate>> anchors,
                              Supplier<? extends RevocationCheck> revocations, PeerCheck extraCheck) {
        this.anchors = Objects.requireNonNull(anchors, "anchors");
        this.revocations = Objects.requireNonNull(revocations, "revocations");
        this.extraCheck = Objects.requireNonNull(extraCheck, "extraCheck");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, () -> validator().jdk.checkClientTrusted(chain, authType));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain, () -> validator().jdk.checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain, () -> validator().jdk.checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, () -> validator().jdk.checkServerTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain, () -> validator().jdk.checkServerTrusted(chain, authType, socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain, () -> validator().jdk.checkServerTrusted(chain, authType, engine));
    }

    /** The current anchors; a server sends their names to clients as the acceptable issuers. */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        try {
            return validator().anchors.toArray(X509Certificate[]::new);
        } catch (CertificateException e) {
            return new X509Certificate[0];
        }
    }

    private interface Validation {
        void run() throws CertificateException;
    }

    private void check(X509Certificate[] chain, Validation validation) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the peer presented no certificate");
        }
        try {
            validation.run();
        } catch (CertificateException e) {
            throw new CertificateException("the peer certificate '" + chain[0].getSubjectX500Principal().getName()
                    + "' is not trusted: " + reason(e), e);
        }
        RevocationCheck held = revocations.get();
        if (held != RevocationCheck.NONE) {
            try {
                // The JDK validated the path; this checks each of its certificates against the CRLs held.
                ChainValidator.validate(List.of(chain), validator().anchors, held, Instant.now());
            } catch (CertificateRejectedException e) {
                throw new CertificateException("the peer certificate '" + chain[0].getSubjectX500Principal().getName()
                        + "' is refused: " + e.getMessage(), e);
            }
        }
        extraCheck.check(chain.clone());
    }

    // The JDK trust manager is rebuilt only when the set of anchors has changed since the last handshake.
    private Validator validator() throws CertificateException {
        Set<X509Certificate> now;
        try {
            now = Set.copyOf(anchors.get());
        } catch (RuntimeException e) {
            throw new CertificateException("the trust anchors could not be read: " + e.getMessage(), e);
        }
        if (now.isEmpty()) {
            throw new CertificateException("no trust anchors are configured: add the peer's root CA with the operator CLI");
        }
        Validator last = current.get();
        if (last != null && last.anchors.equals(now)) {
            return last;
        }
        Validator fresh = new Validator(now, jdkTrustManager(now));
        current.set(fresh);
        return fresh;
    }

    private record Validator(Set<X509Certificate> anchors, X509ExtendedTrustManager jdk) {
    }

    private static X509ExtendedTrustManager jdkTrustManager(Set<X509Certificate> anchors) throws CertificateException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int i = 0;
            for (X509Certificate anchor : anchors) {
                store.setCertificateEntry("anchor-" + i++, anchor);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            for (TrustManager tm : factory.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x509) {
                    return x509;
                }
            }
            throw new CertificateException("the JDK offers no PKIX trust manager");
        } catch (GeneralSecurityException | IOException e) {
            throw new CertificateException("the trust anchors could not be loaded: " + e.getMessage(), e);
        }
    }

    private static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateExpiredException) {
                return "it or a certificate in its chain has expired";
            }
            if (t instanceof CertificateNotYetValidException) {
                return "it or a certificate in its chain is not valid yet";
            }
            if (t instanceof CertPathValidatorException v) {
                if (v.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
                    return "it or a certificate in its chain has expired";
                }
                if (v.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
                    return "it or a certificate in its chain is not valid yet";
                }
                if (v.getReason() == CertPathValidatorException.BasicReason.INVALID_SIGNATURE) {
                    return "a signature in its chain does not verify";
                }
            }
            if (t.getClass().getName().endsWith("SunCertPathBuilderException")) {
                return "it does not chain to a configured trust anchor";
            }
        }
        return e.getMessage();
    }
}
