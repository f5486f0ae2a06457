package vn.lienthong.hsm.trust;

import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXCertPathValidatorResult;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * PKIX path validation (RFC 5280 §6) of a signer's chain against trust anchors at a given time.
 *
 * <p>Revocation is not checked yet: a revoked certificate still passes until CRL checking is
 * added. Beyond RFC 5280, which leaves a trust anchor's own validity period alone, an anchor that
 * has expired (or is not yet valid) at the time asked is refused too.
 */
public final class ChainValidator {
    private ChainValidator() {
    }

    /**
     * @param chain leaf first; may or may not include the anchor
     * @throws CertificateRejectedException saying why (expired, not yet valid, untrusted, broken chain)
     */
    public static void validate(List<X509Certificate> chain, Collection<X509Certificate> anchors, Instant at) {
        if (chain.isEmpty()) {
            throw new CertificateRejectedException("the certificate chain is empty");
        }
        if (anchors.isEmpty()) {
            throw new CertificateRejectedException("no trust anchors are configured, so no chain can be trusted");
        }
        Set<X509Certificate> anchorSet = new HashSet<>(anchors);
        // A PKIX certification path stops below its anchor (RFC 5280 §6.1): cut the chain at the first anchor.
        int end = 0;
        while (end < chain.size() && !anchorSet.contains(chain.get(end))) {
            end++;
        }
        if (end == 0) {
            requireValidAt(chain.getFirst(), at, "the trusted certificate");
            return;
        }
        List<X509Certificate> path = chain.subList(0, end);
        PKIXCertPathValidatorResult result;
        try {
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path);
            Set<TrustAnchor> trustAnchors = anchors.stream()
                    .map(anchor -> new TrustAnchor(anchor, null))
                    .collect(Collectors.toSet());
            PKIXParameters parameters = new PKIXParameters(trustAnchors);
            parameters.setRevocationEnabled(false);
            parameters.setDate(Date.from(at));
            result = (PKIXCertPathValidatorResult) CertPathValidator.getInstance("PKIX").validate(certPath, parameters);
        } catch (CertPathValidatorException e) {
            throw new CertificateRejectedException(reason(e, path), e);
        } catch (InvalidAlgorithmParameterException e) {
            throw new CertificateRejectedException("the trust anchors cannot be used: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new CertificateRejectedException("the chain of '" + name(chain.getFirst())
                    + "' cannot be read: " + e.getMessage(), e);
        }
        requireValidAt(result.getTrustAnchor().getTrustedCert(), at, "the trust anchor");
    }

    private static String reason(CertPathValidatorException e, List<X509Certificate> path) {
        int index = e.getIndex();
        X509Certificate certificate = index >= 0 && index < path.size() ? path.get(index) : null;
        CertPathValidatorException.Reason reason = e.getReason();
        if (certificate != null && reason == BasicReason.EXPIRED) {
            return "certificate '" + name(certificate) + "' expired on " + certificate.getNotAfter().toInstant();
        }
        if (certificate != null && reason == BasicReason.NOT_YET_VALID) {
            return "certificate '" + name(certificate) + "' is not valid before "
                    + certificate.getNotBefore().toInstant();
        }
        if (reason == PKIXReason.NO_TRUST_ANCHOR) {
            return "the chain of '" + name(path.getFirst()) + "' is not issued by a trusted anchor"
                    + " (it ends at '" + path.getLast().getIssuerX500Principal().getName() + "')";
        }
        if (certificate != null && index + 1 < path.size()
                && (reason == PKIXReason.NAME_CHAINING || reason == BasicReason.INVALID_SIGNATURE)) {
            return "broken chain: certificate '" + name(certificate) + "' was not issued by '"
                    + name(path.get(index + 1)) + "'";
        }
        if (certificate != null && reason == BasicReason.INVALID_SIGNATURE) {
            return "the signature on certificate '" + name(certificate) + "' does not verify";
        }
        return "the chain of '" + name(path.getFirst()) + "' is rejected"
                + (certificate != null ? " at '" + name(certificate) + "'" : "") + ": " + e.getMessage();
    }

    private static void requireValidAt(X509Certificate certificate, Instant at, String role) {
        try {
            certificate.checkValidity(Date.from(at));
        } catch (CertificateExpiredException e) {
            throw new CertificateRejectedException(role + " '" + name(certificate) + "' expired on "
                    + certificate.getNotAfter().toInstant(), e);
        } catch (CertificateNotYetValidException e) {
            throw new CertificateRejectedException(role + " '" + name(certificate) + "' is not valid before "
                    + certificate.getNotBefore().toInstant(), e);
        }
    }

    private static String name(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName();
    }
}
