package vn.lienthong.appliance.envelope;

import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import vn.lienthong.appliance.envelope.EnvelopeRejectedException.Reason;
import vn.lienthong.hsm.cms.CmsSignature;
import vn.lienthong.hsm.cms.CmsVerifier;
import vn.lienthong.hsm.cms.SignatureRejectedException;
import vn.lienthong.hsm.cms.SignerCertificateNotValidException;
import vn.lienthong.hsm.trust.CertificateChains;
import vn.lienthong.hsm.trust.CertificateRejectedException;
import vn.lienthong.hsm.trust.CertificateRevokedException;
import vn.lienthong.hsm.trust.CertificateUsage;
import vn.lienthong.hsm.trust.ChainValidator;
import vn.lienthong.hsm.trust.CrlOutOfDateException;
import vn.lienthong.hsm.trust.RevocationCheck;

/**
 * Who made a CMS signature that verified and whose chain led to a trust anchor at the time asked.
 *
 * @param certificate the signer's certificate
 * @param chain       the signer's chain as carried in the CMS, leaf first, ordered issuer after subject
 * @param anchor      the trust anchor the chain ends at
 * @param at          the time the chain was validated at
 */
public record VerifiedSigner(X509Certificate certificate, List<X509Certificate> chain, X509Certificate anchor,
                             Instant at) {

    public VerifiedSigner {
        chain = List.copyOf(chain);
    }

    /**
     * Verifies a detached CMS signature over {@code content}, then the signer's chain against the
     * anchors at {@code at}. {@code what} names the signature in messages ("the envelope").
     */
    static VerifiedSigner verify(byte[] cms, byte[] content, Collection<X509Certificate> anchors,
                                 RevocationCheck revocations, Instant at, String what) {
        return trusted(verifySignature(cms, content, what), anchors, revocations, at, what);
    }

    /**
     * Validates the chain of a signature that has verified already, against the anchors and the CRLs
     * held at {@code at}, and that the signer's certificate allows signing.
     */
    static VerifiedSigner trusted(CmsSignature signature, Collection<X509Certificate> anchors,
                                  RevocationCheck revocations, Instant at, String what) {
        X509Certificate signer = signature.signer();
        List<X509Certificate> chain = chainOf(signer, signature.certificates());
        try {
            ChainValidator.validate(chain, anchors, revocations, at);
        } catch (CertificateRevokedException e) {
            throw new EnvelopeRejectedException(Reason.CERTIFICATE_REVOKED, what + " signer is revoked: "
                    + e.getMessage(), e);
        } catch (CrlOutOfDateException e) {
            throw new EnvelopeRejectedException(Reason.CRL_OUT_OF_DATE, what + " signer cannot be checked: "
                    + e.getMessage(), e);
        } catch (CertificateRejectedException e) {
            throw chainRejected(what, chain, anchors, at, e);
        }
        CertificateUsage.signingProblem(signer).ifPresent(problem -> {
            throw new EnvelopeRejectedException(Reason.SIGNER_KEY_USAGE, what + " signer " + problem);
        });
        return new VerifiedSigner(signer, chain, anchorOf(chain, anchors), at);
    }

    /**
     * The signer's chain as a CMS signature carries it, leaf first, each certificate followed by its
     * issuer, after checking that the signature verifies over the content; trust is not judged.
     *
     * @throws EnvelopeRejectedException BAD_SIGNATURE when the signature does not verify
     */
    public static List<X509Certificate> carriedChain(byte[] cms, byte[] content) {
        CmsSignature signature = verifySignature(cms, content, "the");
        return chainOf(signature.signer(), signature.certificates());
    }

    static CmsSignature verifySignature(byte[] cms, byte[] content, String what) {
        try {
            return CmsVerifier.verifyDetached(cms, content);
        } catch (SignerCertificateNotValidException e) {
            throw new EnvelopeRejectedException(Reason.EXPIRED_SIGNER, what + " signature: " + e.getMessage(), e);
        } catch (SignatureRejectedException e) {
            throw new EnvelopeRejectedException(Reason.BAD_SIGNATURE, what + " signature does not verify: "
                    + e.getMessage(), e);
        }
    }

    /** The certificates from the signer up, each followed by its issuer, leaving out unrelated ones. */
    private static List<X509Certificate> chainOf(X509Certificate signer, List<X509Certificate> carried) {
        return CertificateChains.from(signer, carried);
    }

    /**
     * Tells an expired (or not yet valid) chain from an untrusted one: a chain that validates at a
     * moment when all its certificates are valid was refused only for the time.
     */
    private static EnvelopeRejectedException chainRejected(String what, List<X509Certificate> chain,
                                                           Collection<X509Certificate> anchors, Instant at,
                                                           CertificateRejectedException cause) {
        X509Certificate outOfDate = null;
        Instant latestStart = Instant.MIN;
        Instant earliestEnd = Instant.MAX;
        for (X509Certificate c : chain) {
            if (outOfDate == null && !validAt(c, at)) {
                outOfDate = c;
            }
            latestStart = max(latestStart, c.getNotBefore().toInstant());
            earliestEnd = min(earliestEnd, c.getNotAfter().toInstant());
        }
        if (outOfDate != null && !latestStart.isAfter(earliestEnd)) {
            try {
                ChainValidator.validate(chain, anchors, latestStart);
                String when = outOfDate.getNotAfter().toInstant().isBefore(at)
                        ? "expired on " + outOfDate.getNotAfter().toInstant()
                        : "is not valid before " + outOfDate.getNotBefore().toInstant();
                return new EnvelopeRejectedException(Reason.EXPIRED_SIGNER, what + " signer's chain is not valid at "
                        + at + ": " + outOfDate.getSubjectX500Principal().getName() + " " + when, cause);
            } catch (CertificateRejectedException untrustedAnyway) {
                // Not trusted at any time: report it as untrusted below.
            }
        }
        return new EnvelopeRejectedException(Reason.UNTRUSTED_SIGNER, what + " signer is not trusted: "
                + cause.getMessage(), cause);
    }

    private static X509Certificate anchorOf(List<X509Certificate> chain, Collection<X509Certificate> anchors) {
        // As in ChainValidator: the path ends at the first certificate that is itself an anchor...
        for (X509Certificate certificate : chain) {
            if (anchors.contains(certificate)) {
                return certificate;
            }
        }
        // ...or else at the anchor that issued the chain's top certificate.
        X509Certificate top = chain.getLast();
        for (X509Certificate anchor : anchors) {
            if (anchor.getSubjectX500Principal().equals(top.getIssuerX500Principal())) {
                try {
                    top.verify(anchor.getPublicKey());
                    return anchor;
                } catch (GeneralSecurityException e) {
                    // Same name, other key: keep looking.
                }
            }
        }
        throw new IllegalStateException("the chain validated but no anchor issued "
                + top.getSubjectX500Principal().getName());
    }

    private static boolean validAt(X509Certificate certificate, Instant at) {
        try {
            certificate.checkValidity(Date.from(at));
            return true;
        } catch (CertificateException e) {
            return false;
        }
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
