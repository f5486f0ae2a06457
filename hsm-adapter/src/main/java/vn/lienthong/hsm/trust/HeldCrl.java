package vn.lienthong.hsm.trust;

import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * A CRL whose signature verified with the key of {@code issuer}, a CA certificate that is a trust
 * anchor or chains to one ({@link CrlIssuer}).
 */
public record HeldCrl(X509CRL crl, X509Certificate issuer) {
    public HeldCrl {
        Objects.requireNonNull(crl, "crl");
        Objects.requireNonNull(issuer, "issuer");
    }

    /** How many certificates the CRL lists as revoked. */
    public int revokedEntries() {
        return crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size();
    }

    /** The issuer's name as RFC 2253 text. */
    public String issuerName() {
        return issuer.getSubjectX500Principal().getName();
    }
}
