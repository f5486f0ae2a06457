package vn.lienthong.hsm.trust;

import java.security.cert.X509Certificate;
import java.time.Instant;

/**
 * Whether a certificate was revoked by its issuer, asked for each certificate of a chain that
 * validated. Throws {@link CertificateRevokedException} for a revoked certificate and
 * {@link CrlOutOfDateException} when the issuer's CRL is held but out of date (fail closed).
 */
@FunctionalInterface
public interface RevocationCheck {

    /** Checks nothing: for callers that hold no CRLs. */
    RevocationCheck NONE = (certificate, issuer, at) -> { };

    /**
     * @param certificate a certificate of a validated chain
     * @param issuer      the certificate that issued it (the next in the chain, or the trust anchor)
     * @param at          the time the chain is validated at
     */
    void check(X509Certificate certificate, X509Certificate issuer, Instant at);
}
