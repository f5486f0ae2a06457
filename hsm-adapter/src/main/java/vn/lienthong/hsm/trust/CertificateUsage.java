package vn.lienthong.hsm.trust;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * What a certificate's keyUsage and extendedKeyUsage allow it to be used for (RFC 5280 §4.2.1.3,
 * §4.2.1.12): a signer must be allowed to sign, a TLS certificate that names extended key usages
 * must name the TLS role it plays. Each check returns the plain sentence of what is missing.
 */
public final class CertificateUsage {
    private static final int DIGITAL_SIGNATURE = 0;
    private static final int NON_REPUDIATION = 1;
    private static final String ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

    private CertificateUsage() {
    }

    /** Why the certificate may not sign documents and receipts, if it may not: its keyUsage has neither bit. */
    public static Optional<String> signingProblem(X509Certificate certificate) {
        boolean[] usage = certificate.getKeyUsage();
        if (usage == null || (usage.length > DIGITAL_SIGNATURE && usage[DIGITAL_SIGNATURE])
                || (usage.length > NON_REPUDIATION && usage[NON_REPUDIATION])) {
            return Optional.empty();
        }
        return Optional.of("'" + name(certificate) + "' does not allow signing: its keyUsage has neither"
                + " digitalSignature nor nonRepudiation");
    }

    /**
     * Why the certificate may not serve as a TLS server and/or client, if it may not: it names
     * extended key usages but not serverAuth (or clientAuth) nor anyExtendedKeyUsage.
     */
    public static Optional<String> tlsProblem(X509Certificate certificate, boolean server, boolean client) {
        List<String> purposes;
        try {
            purposes = certificate.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            return Optional.of("'" + name(certificate) + "' has an extendedKeyUsage that cannot be read");
        }
        if (purposes == null || purposes.contains(ANY_EXTENDED_KEY_USAGE)) {
            return Optional.empty();
        }
        if (server && !purposes.contains(SERVER_AUTH)) {
            return Optional.of("'" + name(certificate) + "' is not for TLS servers: its extendedKeyUsage lacks"
                    + " serverAuth");
        }
        if (client && !purposes.contains(CLIENT_AUTH)) {
            return Optional.of("'" + name(certificate) + "' is not for TLS clients: its extendedKeyUsage lacks"
                    + " clientAuth");
        }
        return Optional.empty();
    }

    private static String name(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName();
    }
}
