package vn.lienthong.appliance.envelope;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collection;
import vn.lienthong.hsm.trust.RevocationCheck;
import vn.lienthong.appliance.envelope.EnvelopeRejectedException.Reason;
import vn.lienthong.hsm.batch.BatchRoot;
import vn.lienthong.hsm.batch.InclusionProof;
import vn.lienthong.hsm.cms.CmsSignature;

/**
 * Checks an envelope from a peer: the payload is the one the header states, the CMS signature
 * verifies over the header bytes exactly as received (or, for a batch-signed envelope, the proof
 * leads from the header to the batch root and the signature verifies over the root bytes), the
 * signer's chain leads to a trust anchor, and the signer certificate is the sender organ's
 * ({@link OrganBinding}). Software only.
 *
 * <p>A batch's root signature is verified once: the envelopes of one batch arrive one by one, and
 * a bounded cache keeps the roots whose signature verified (the chain is still validated for
 * every envelope, since it depends on the time and the anchors). Safe for many threads.
 */
public final class EnvelopeVerifier {

    /** How many verified batch root signatures are remembered by default. */
    public static final int DEFAULT_ROOT_CACHE = 4096;

    private final VerifiedRoots verifiedRoots;

    public EnvelopeVerifier() {
        this(DEFAULT_ROOT_CACHE);
    }

    /** @param rootCacheSize the most verified root signatures remembered (least recently used go first) */
    public EnvelopeVerifier(int rootCacheSize) {
        this.verifiedRoots = new VerifiedRoots(rootCacheSize);
    }

    /**
     * @param trustAnchors the roots trusted for signers
     * @param now          the time the chain must be valid at
     * @throws EnvelopeRejectedException with the first check that failed
     */
    public VerifiedEnvelope verify(Envelope envelope, Collection<X509Certificate> trustAnchors, Instant now) {
        return verify(envelope, trustAnchors, RevocationCheck.NONE, now);
    }

    /**
     * As {@link #verify(Envelope, Collection, Instant)}, each certificate of the signer's chain also
     * checked against the CRLs held.
     */
    public VerifiedEnvelope verify(Envelope envelope, Collection<X509Certificate> trustAnchors,
                                   RevocationCheck revocations, Instant now) {
        EnvelopeHeader header = envelope.header();
        if (!EnvelopeHeader.sha256Hex(envelope.payload()).equals(header.payloadSha256())) {
            throw new EnvelopeRejectedException(Reason.PAYLOAD_DIGEST_MISMATCH, "the payload of message "
                    + header.messageId() + " is not the one its header describes (SHA-256 differs)");
        }
        VerifiedSigner signer;
        if (envelope.batch() == null) {
            signer = VerifiedSigner.verify(envelope.signature(), envelope.headerBytes(), trustAnchors, revocations, now,
                    "the envelope");
        } else {
            BatchRoot root = envelope.batch().root();
            InclusionProof proof = envelope.batch().proof();
            if (!root.covers(envelope.headerBytes(), proof)) {
                throw new EnvelopeRejectedException(Reason.BAD_SIGNATURE, "the batch proof of message "
                        + header.messageId() + " does not lead from its header to the signed batch root");
            }
            signer = VerifiedSigner.trusted(rootSignature(envelope), trustAnchors, revocations, now, "the envelope");
        }
        if (!OrganBinding.isBound(signer.certificate(), header.sender())) {
            throw new EnvelopeRejectedException(Reason.SIGNER_NOT_SENDER, "message " + header.messageId()
                    + " claims to come from " + header.sender() + " but is signed by "
                    + signer.certificate().getSubjectX500Principal().getName());
        }
        return new VerifiedEnvelope(envelope, header, signer);
    }

    private CmsSignature rootSignature(Envelope envelope) {
        return verifiedRoots.signature(envelope.batch().rootBytes(), envelope.signature(), "the envelope's batch");
    }

    /** How many batch root signatures were verified with public-key operations (not from the cache). */
    public long rootSignaturesVerified() {
        return verifiedRoots.verifications();
    }
}
