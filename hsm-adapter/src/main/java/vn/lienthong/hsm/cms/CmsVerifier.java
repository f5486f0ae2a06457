package vn.lienthong.hsm.cms;

import java.nio.ByteBuffer;
import java.security.Provider;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignerDigestMismatchException;
import org.bouncycastle.cms.CMSVerifierCertificateNotValidException;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.SignerInformationVerifier;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.OperatorCreationException;

/**
 * Verifies a detached CMS SignedData against the content it claims to sign (software only). It
 * checks the signature and that the signer's certificate is carried and was valid at the signing
 * time; whether that certificate is trusted is {@link vn.lienthong.hsm.trust.ChainValidator}'s job.
 */
public final class CmsVerifier {
    /** Verification uses BC's own algorithms, which cover every CMS signature OID (PSS among them). */
    private static final Provider BC = new BouncyCastleProvider();
    /** SHA-1 and MD5 digests are refused: collisions make their signatures forgeable. */
    private static final Set<String> ACCEPTED_DIGESTS = Set.of(NISTObjectIdentifiers.id_sha256.getId(),
            NISTObjectIdentifiers.id_sha384.getId(), NISTObjectIdentifiers.id_sha512.getId());

    /**
     * What is derived from a carried certificate, by its DER bytes: its verifier (building one
     * converts the certificate and looks up its algorithms, a quarter of a verification) and its
     * decoded JCA form (decoding it again for every message cost as much as the PKIX check).
     * A verifier is safe to use from many threads (each verification gets new digest and
     * signature objects from it); certificates are immutable.
     */
    private static final Map<ByteBuffer, Known> KNOWN = new ConcurrentHashMap<>();
    private static final int MAX_KNOWN = 1024;

    /** One certificate's derived forms; the verifier is made when it first signs something. */
    private static final class Known {
        final X509Certificate certificate;
        volatile SignerInformationVerifier verifier;

        Known(X509Certificate certificate) {
            this.certificate = certificate;
        }
    }

    private CmsVerifier() {
    }

    private static Known known(X509CertificateHolder holder) {
        ByteBuffer key;
        try {
            key = ByteBuffer.wrap(holder.getEncoded());
        } catch (java.io.IOException e) {
            throw new SignatureRejectedException("the certificate '" + holder.getSubject()
                    + "' in the signature cannot be read", e);
        }
        Known known = KNOWN.get(key);
        if (known != null) {
            return known;
        }
        Known decoded = new Known(toX509(holder));
        if (KNOWN.size() >= MAX_KNOWN) {
            KNOWN.clear();
        }
        KNOWN.put(key, decoded);
        return decoded;
    }

    private static SignerInformationVerifier verifierFor(X509CertificateHolder certificate, Known known)
            throws OperatorCreationException, CertificateException {
        SignerInformationVerifier verifier = known.verifier;
        if (verifier == null) {
            verifier = new JcaSimpleSignerInfoVerifierBuilder().setProvider(BC).build(certificate);
            known.verifier = verifier;
        }
        return verifier;
    }

    /** @throws SignatureRejectedException with the reason, when malformed or not matching */
    public static CmsSignature verifyDetached(byte[] cmsDer, byte[] content) {
        CMSSignedData signed = parse(cmsDer, content);
        Collection<SignerInformation> signers = signed.getSignerInfos().getSigners();
        if (signers.size() != 1) {
            throw new SignatureRejectedException("the signature carries " + signers.size()
                    + " signers; exactly one is expected");
        }
        SignerInformation signer = signers.iterator().next();
        if (!ACCEPTED_DIGESTS.contains(signer.getDigestAlgOID())) {
            throw new SignatureRejectedException("the signature uses the digest algorithm " + signer.getDigestAlgOID()
                    + "; only SHA-256, SHA-384 and SHA-512 are accepted");
        }
        Collection<X509CertificateHolder> matching = signed.getCertificates().getMatches(signer.getSID());
        if (matching.isEmpty()) {
            throw new SignatureRejectedException("the signature does not carry its signer's certificate");
        }
        X509CertificateHolder signerCertificate = matching.iterator().next();
        Known signerKnown = known(signerCertificate);
        boolean valid;
        try {
            valid = signer.verify(verifierFor(signerCertificate, signerKnown));
        } catch (CMSSignerDigestMismatchException e) {
            throw new SignatureRejectedException("the content does not match the signature: its digest differs"
                    + " from the signed message digest", e);
        } catch (CMSVerifierCertificateNotValidException e) {
            throw new SignerCertificateNotValidException("the signer's certificate '" + signerCertificate.getSubject()
                    + "' was not valid at the signing time", e);
        } catch (CMSException | OperatorCreationException | CertificateException | RuntimeException e) {
            throw new SignatureRejectedException("the signature cannot be checked: " + e.getMessage(), e);
        }
        if (!valid) {
            throw new SignatureRejectedException("the signature does not verify with the signer's certificate '"
                    + signerCertificate.getSubject() + "'");
        }
        List<X509Certificate> carried = signed.getCertificates().getMatches(null).stream()
                .map(holder -> known(holder).certificate).toList();
        return new CmsSignature(signerKnown.certificate, carried);
    }

    private static CMSSignedData parse(byte[] cmsDer, byte[] content) {
        CMSSignedData alone;
        try {
            alone = new CMSSignedData(cmsDer);
        } catch (CMSException | RuntimeException e) {
            throw new SignatureRejectedException("the signature is not a CMS SignedData structure (RFC 5652)", e);
        }
        // A signature that carries its own content is refused: which content it signs would be ambiguous.
        if (!alone.isDetachedSignature()) {
            throw new SignatureRejectedException("the signature encapsulates its content;"
                    + " a detached signature is expected");
        }
        try {
            return new CMSSignedData(new CMSProcessableByteArray(content), alone.toASN1Structure());
        } catch (CMSException | RuntimeException e) {
            throw new SignatureRejectedException("the signature is not a CMS SignedData structure (RFC 5652)", e);
        }
    }

    private static X509Certificate toX509(X509CertificateHolder holder) {
        try {
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (CertificateException e) {
            throw new SignatureRejectedException("the certificate '" + holder.getSubject()
                    + "' in the signature cannot be read", e);
        }
    }

}
