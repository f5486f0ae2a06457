package vn.lienthong.hsm.trust;

import java.security.GeneralSecurityException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * Finds who signed a CRL and refuses it unless that is a trust anchor, or an intermediate CA
 * whose chain validates to one, allowed to sign CRLs (keyUsage cRLSign when keyUsage is present,
 * RFC 5280 §4.2.1.3). The only way a CRL becomes a {@link HeldCrl}.
 */
public final class CrlIssuer {
    /** keyUsage bit 6 (RFC 5280 §4.2.1.3). */
    private static final int CRL_SIGN = 6;

    private CrlIssuer() {
    }

    /**
     * @param intermediates CA certificates that may have signed the CRL, with their issuers up to an anchor
     * @param revocations   the CRLs already held, which an intermediate's chain is checked against
     * @throws CertificateRejectedException saying why the CRL is refused
     */
    public static HeldCrl verify(X509CRL crl, Collection<X509Certificate> anchors,
                                 List<X509Certificate> intermediates, RevocationCheck revocations, Instant at) {
        String issuer = crl.getIssuerX500Principal().getName();
        for (X509Certificate anchor : anchors) {
            if (signed(crl, anchor)) {
                requireCrlSign(anchor);
                return new HeldCrl(crl, anchor);
            }
        }
        for (X509Certificate candidate : intermediates) {
            if (signed(crl, candidate)) {
                requireCrlSign(candidate);
                try {
                    ChainValidator.validate(CertificateChains.from(candidate, intermediates), anchors, revocations, at);
                } catch (CertificateRejectedException e) {
                    throw new CertificateRejectedException("the CRL of '" + issuer
                            + "' is signed by an intermediate CA that is not trusted: " + e.getMessage(), e);
                }
                return new HeldCrl(crl, candidate);
            }
        }
        throw new CertificateRejectedException("the CRL of '" + issuer + "' is not signed by a trust anchor"
                + (intermediates.isEmpty() ? "" : " nor by one of the intermediate CA certificates given")
                + "; add its CA with 'provision trust add', or give the intermediate CA's certificate");
    }

    private static boolean signed(X509CRL crl, X509Certificate candidate) {
        if (!candidate.getSubjectX500Principal().equals(crl.getIssuerX500Principal())) {
            return false;
        }
        try {
            crl.verify(candidate.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false; // same name, other key
        }
    }

    private static void requireCrlSign(X509Certificate issuer) {
        boolean[] usage = issuer.getKeyUsage();
        if (issuer.getBasicConstraints() < 0 || (usage != null && (usage.length <= CRL_SIGN || !usage[CRL_SIGN]))) {
            throw new CertificateRejectedException("the CRL is signed by '" + issuer.getSubjectX500Principal().getName()
                    + "', which is not a CA allowed to sign CRLs (basicConstraints cA and keyUsage cRLSign)");
        }
    }
}
