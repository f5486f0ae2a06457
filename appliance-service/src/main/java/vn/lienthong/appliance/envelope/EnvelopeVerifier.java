package vn.lienthong.appliance.envelope;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collection;
import vn.lienthong.appliance.envelope.EnvelopeRejectedException.Reason;

/**
 * Checks an envelope from a peer: the payload is the one the header states, the CMS signature
 * verifies over the header bytes exactly as received, the signer's chain leads to a trust anchor,
 * and the signer certificate is the sender organ's ({@link OrganBinding}). Software only.
 */
public final class EnvelopeVerifier {

    /**
     * @param trustAnchors the roots trusted for signers
     * @param now          the time the chain must be valid at
     * @throws EnvelopeRejectedException with the first check that failed
     */
    public VerifiedEnvelope verify(Envelope envelope, Collection<X509Certificate> trustAnchors, Instant now) {
        EnvelopeHeader header = envelope.header();
        if (!EnvelopeHeader.sha256Hex(envelope.payload()).equals(header.payloadSha256())) {
            throw new EnvelopeRejectedException(Reason.PAYLOAD_DIGEST_MISMATCH, "the payload of message "
                    + header.messageId() + " is not the one its header describes (SHA-256 differs)");
        }
        VerifiedSigner signer = VerifiedSigner.verify(envelope.signature(), envelope.headerBytes(), trustAnchors, now,
                "the envelope");
        if (!OrganBinding.isBound(signer.certificate(), header.sender())) {
            throw new EnvelopeRejectedException(Reason.SIGNER_NOT_SENDER, "message " + header.messageId()
                    + " claims to come from " + header.sender() + " but is signed by "
                    + signer.certificate().getSubjectX500Principal().getName());
        }
        return new VerifiedEnvelope(envelope, header, signer);
    }
}
