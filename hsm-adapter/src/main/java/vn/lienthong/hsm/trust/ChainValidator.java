package vn.lienthong.hsm.trust;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/** PKIX path validation (RFC 5280) of a signer's chain against trust anchors at a given time. */
public final class ChainValidator {
    private ChainValidator() {
    }

    /**
     * @param chain leaf first; may or may not include the anchor
     * @throws CertificateRejectedException saying why (expired, untrusted, broken chain)
     */
    public static void validate(List<X509Certificate> chain, Collection<X509Certificate> anchors, Instant at) {
        throw new UnsupportedOperationException("TODO");
    }
}
