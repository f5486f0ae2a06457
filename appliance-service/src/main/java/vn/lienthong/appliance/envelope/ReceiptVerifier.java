package vn.lienthong.appliance.envelope;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collection;
import vn.lienthong.hsm.trust.RevocationCheck;
import vn.lienthong.appliance.envelope.EnvelopeRejectedException.Reason;

/**
 * Checks a receipt the sender got back: the CMS signature verifies over the receipt bytes (or, for
 * a batch-signed receipt, the proof leads from the receipt to the batch root it signs), the
 * signer's chain leads to a trust anchor, the signer is the recipient organ, and the receipt
 * names this envelope (message id and SHA-256 of the header bytes that were sent). Safe for many
 * threads; keep one, so that a batch's root signature is verified once.
 */
public final class ReceiptVerifier {

    /** Batch root signatures already verified: a sender gets a batch's receipts one by one. */
    private final VerifiedRoots verifiedRoots = new VerifiedRoots(EnvelopeVerifier.DEFAULT_ROOT_CACHE);

    /**
     * @param sentEnvelope      the envelope as the sender sent it
     * @param expectedRecipient the organ the receipt must come from; one of the envelope's recipients
     * @param now               the time the signer's chain must be valid at
     * @throws EnvelopeRejectedException with the first check that failed
     */
    public VerifiedReceipt verify(SignedReceipt signedReceipt, Envelope sentEnvelope, String expectedRecipient,
                                  Collection<X509Certificate> trustAnchors, Instant now) {
        return verify(signedReceipt, sentEnvelope, expectedRecipient, trustAnchors, RevocationCheck.NONE, now);
    }

    /** As above, each certificate of the signer's chain also checked against the CRLs held. */
    public VerifiedReceipt verify(SignedReceipt signedReceipt, Envelope sentEnvelope, String expectedRecipient,
                                  Collection<X509Certificate> trustAnchors, RevocationCheck revocations,
                                  Instant now) {
        Receipt receipt = signedReceipt.receipt();
        VerifiedSigner signer;
        EnvelopeBatch batch = signedReceipt.batch();
        if (batch == null) {
            signer = VerifiedSigner.verify(signedReceipt.signature(), signedReceipt.receiptBytes(), trustAnchors,
                    revocations, now,
                    "the receipt");
        } else {
            if (!batch.root().covers(signedReceipt.receiptBytes(), batch.proof())) {
                throw new EnvelopeRejectedException(Reason.BAD_SIGNATURE, "the batch proof of the receipt for message "
                        + receipt.messageId() + " does not lead from the receipt to the signed batch root");
            }
            signer = VerifiedSigner.trusted(verifiedRoots.signature(batch.rootBytes(), signedReceipt.signature(),
                    "the receipt's batch"), trustAnchors, revocations, now, "the receipt");
        }
        if (!OrganBinding.isBound(signer.certificate(), receipt.recipient())) {
            throw new EnvelopeRejectedException(Reason.SIGNER_NOT_RECIPIENT, "the receipt claims to come from "
                    + receipt.recipient() + " but is signed by " + signer.certificate().getSubjectX500Principal().getName());
        }
        EnvelopeHeader header = sentEnvelope.header();
        if (!receipt.recipient().equals(expectedRecipient)) {
            throw new EnvelopeRejectedException(Reason.RECEIPT_MISMATCH, "the receipt comes from "
                    + receipt.recipient() + ", not from the expected recipient " + expectedRecipient);
        }
        if (!header.recipients().contains(receipt.recipient())) {
            throw new EnvelopeRejectedException(Reason.RECEIPT_MISMATCH, "the receipt comes from "
                    + receipt.recipient() + ", which is not a recipient of message " + header.messageId());
        }
        if (!receipt.messageId().equals(header.messageId())) {
            throw new EnvelopeRejectedException(Reason.RECEIPT_MISMATCH, "the receipt is for message "
                    + receipt.messageId() + ", not for message " + header.messageId());
        }
        if (!receipt.headerSha256().equals(sentEnvelope.headerSha256())) {
            throw new EnvelopeRejectedException(Reason.RECEIPT_MISMATCH, "the receipt for message "
                    + header.messageId() + " refers to other header bytes than the ones sent (SHA-256 differs)");
        }
        return new VerifiedReceipt(receipt, signer);
    }
}
