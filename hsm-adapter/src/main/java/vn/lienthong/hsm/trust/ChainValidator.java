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
import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * PKIX path validation (RFC 5280 §6) of a signer's chain against trust anchors at a given time.
 *
 * <p>Revocation is checked against the CRLs the caller holds ({@link RevocationCheck}), for every
 * certificate of the path, at every call. Beyond RFC 5280, which leaves a trust anchor's own
 * validity period alone, an anchor that has expired (or is not yet valid) at the time asked is
 * refused too.
 *
 * <p>Successes are remembered per certification path (its certificates' exact DER bytes): a path
 * that validated against an anchor validates again, without PKIX, while that same anchor (exact
 * bytes) is still among the anchors and the time asked lies within every certificate's validity,
 * the anchor's included. Nothing else decides whether the path itself is valid; revocation, which
 * changes with every CRL, is checked afresh at each call. Failures are always validated afresh.
 */
public final class ChainValidator {
    /** Enough for every peer appliance's and tenant's signer chain; emptied when full. */
    private static final int MAX_REMEMBERED = 1024;
    private static final Map<PathKey, Validated> VALIDATED = new ConcurrentHashMap<>();
    private static final LongAdder PKIX_RUNS = new LongAdder();

    private ChainValidator() {
    }

    /** A certification path by its certificates' DER bytes, compared byte for byte. */
    private record PathKey(byte[][] encodings) {
        static PathKey of(List<X509Certificate> path) throws GeneralSecurityException {
            byte[][] encodings = new byte[path.size()][];
            for (int i = 0; i < encodings.length; i++) {
                encodings[i] = path.get(i).getEncoded();
            }
            return new PathKey(encodings);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof PathKey that && Arrays.deepEquals(encodings, that.encodings);
        }

        @Override
        public int hashCode() {
            return Arrays.deepHashCode(encodings);
        }
    }

    /** A path that validated against {@code anchor}, and the times between which all of them are valid. */
    private record Validated(X509Certificate anchor, Instant validFrom, Instant validUntil) {
        static Validated of(List<X509Certificate> path, X509Certificate anchor) {
            Instant from = anchor.getNotBefore().toInstant();
            Instant until = anchor.getNotAfter().toInstant();
            for (X509Certificate certificate : path) {
                Instant notBefore = certificate.getNotBefore().toInstant();
                Instant notAfter = certificate.getNotAfter().toInstant();
                from = notBefore.isAfter(from) ? notBefore : from;
                until = notAfter.isBefore(until) ? notAfter : until;
            }
            return new Validated(anchor, from, until);
        }

        /** Whether PKIX would pass the same path now: same anchor still trusted, every certificate valid at {@code at}. */
        boolean stillHolds(Set<X509Certificate> anchors, Instant at) {
            return !at.isBefore(validFrom) && !at.isAfter(validUntil) && anchors.contains(anchor);
        }
    }

    /** How many paths went through PKIX validation in this process (tests read it to see the cache at work). */
    static long pkixRuns() {
        return PKIX_RUNS.sum();
    }

    /**
     * Validates without checking revocation (for callers that hold no CRLs).
     *
     * @param chain leaf first; may or may not include the anchor
     * @throws CertificateRejectedException saying why (expired, not yet valid, untrusted, broken chain)
     */
    public static void validate(List<X509Certificate> chain, Collection<X509Certificate> anchors, Instant at) {
        validate(chain, anchors, RevocationCheck.NONE, at);
    }

    /**
     * Validates the path, then asks {@code revocations} about each of its certificates.
     *
     * @param chain leaf first; may or may not include the anchor
     * @throws CertificateRejectedException saying why (expired, not yet valid, untrusted, broken chain);
     *         {@link CertificateRevokedException} or {@link CrlOutOfDateException} from the revocation check
     */
    public static void validate(List<X509Certificate> chain, Collection<X509Certificate> anchors,
                                RevocationCheck revocations, Instant at) {
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
        PathKey key;
        try {
            key = PathKey.of(path);
        } catch (GeneralSecurityException e) {
            throw new CertificateRejectedException("the chain of '" + name(chain.getFirst())
                    + "' cannot be read: " + e.getMessage(), e);
        }
        Validated known = VALIDATED.get(key);
        X509Certificate anchor;
        if (known != null && known.stillHolds(anchorSet, at)) {
            anchor = known.anchor();
        } else {
            anchor = validateWithPkix(chain, path, anchors, at);
            if (VALIDATED.size() >= MAX_REMEMBERED) {
                VALIDATED.clear();
            }
            VALIDATED.put(key, Validated.of(path, anchor));
        }
        for (int i = 0; i < path.size(); i++) {
            revocations.check(path.get(i), i + 1 < path.size() ? path.get(i + 1) : anchor, at);
        }
    }

    /** Full RFC 5280 validation of {@code path}; returns the anchor it ends at. */
    private static X509Certificate validateWithPkix(List<X509Certificate> chain, List<X509Certificate> path,
                                                    Collection<X509Certificate> anchors, Instant at) {
        PKIX_RUNS.increment();
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
        X509Certificate anchor = result.getTrustAnchor().getTrustedCert();
        requireValidAt(anchor, at, "the trust anchor");
        return anchor;
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
