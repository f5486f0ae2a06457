package vn.lienthong.appliance.evidence;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import vn.lienthong.appliance.envelope.EnvelopeBatch;
import vn.lienthong.appliance.envelope.EnvelopeHeader;
import vn.lienthong.appliance.envelope.EnvelopeRejectedException;
import vn.lienthong.appliance.envelope.EnvelopeRejectedException.Reason;
import vn.lienthong.appliance.envelope.EnvelopeVerifier;
import vn.lienthong.appliance.envelope.Receipt;
import vn.lienthong.appliance.envelope.ReceiptVerifier;
import vn.lienthong.appliance.envelope.VerifiedEnvelope;
import vn.lienthong.appliance.envelope.VerifiedReceipt;
import vn.lienthong.appliance.envelope.VerifiedSigner;

/**
 * Checks an evidence file offline and says, one line per check, what it checked.
 *
 * <p>Both signer chains are validated at the receipt's {@code receivedAt}, not at the time of
 * checking: the evidence proves what was sent and received at that moment, so it stays
 * verifiable after the certificates expire (an organ certificate lives a few years; the evidence
 * must outlive it). The time of checking only refuses a receipt dated in the future. Two limits
 * follow: {@code receivedAt} is the recipient's own signed statement, not a trusted timestamp
 * (RFC 3161), and revocation is not checked yet, so a key revoked after the fact is not noticed.
 */
public final class EvidenceVerifier {

    /** How far a receipt's time may run ahead of the checker's clock. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    private final EnvelopeVerifier envelopes = new EnvelopeVerifier();
    private final ReceiptVerifier receipts = new ReceiptVerifier();

    /**
     * @param trustAnchors the roots trusted for both signers
     * @param now          the time of checking
     * @return the checks made, in plain words, one per line
     * @throws EnvelopeRejectedException with the first check that failed
     */
    public List<String> verify(Evidence evidence, Collection<X509Certificate> trustAnchors, Instant now) {
        Receipt receipt = evidence.receipt().receipt();
        Instant at = receipt.receivedAt();
        if (at.isAfter(now.plus(CLOCK_SKEW))) {
            throw new EnvelopeRejectedException(Reason.RECEIPT_MISMATCH, "the receipt says it was received at " + at
                    + ", which is later than now (" + now + ")");
        }
        VerifiedEnvelope envelope = envelopes.verify(evidence.envelope(), trustAnchors, at);
        EnvelopeHeader header = envelope.header();
        if (header.createdAt().isAfter(at.plus(CLOCK_SKEW))) {
            throw new EnvelopeRejectedException(Reason.RECEIPT_MISMATCH, "the receipt says message "
                    + header.messageId() + " was received at " + at + ", before it was created at " + header.createdAt());
        }
        VerifiedReceipt verifiedReceipt = receipts.verify(evidence.receipt(), evidence.envelope(), receipt.recipient(),
                trustAnchors, at);
        List<String> checks = new ArrayList<>(List.of(
                "message: " + header.messageId() + " from " + header.sender() + " to "
                        + String.join(", ", header.recipients()) + ", created " + header.createdAt(),
                "payload digest: matches header (SHA-256 " + header.payloadSha256() + ")"));
        if (evidence.envelope().batch() != null) {
            EnvelopeBatch batch = evidence.envelope().batch();
            checks.add("batch proof: valid, the header is entry " + (batch.proof().leafIndex() + 1) + " of "
                    + batch.proof().treeSize() + " under root " + HexFormat.of().formatHex(batch.root().root()));
            checks.add("envelope signature: valid over the batch root, signed by "
                    + subject(envelope.signer().certificate()));
        } else {
            checks.add("envelope signature: valid, signed by " + subject(envelope.signer().certificate()));
        }
        checks.addAll(List.of(
                "signer is the sender: yes (" + header.sender() + ")",
                "signer chain: " + trusted(envelope.signer()),
                "receipt signature: valid, signed by " + subject(verifiedReceipt.signer().certificate()),
                "receipt signer is the recipient: yes (" + receipt.recipient() + ")",
                "receipt signer chain: " + trusted(verifiedReceipt.signer()),
                "receipt refers to this envelope: yes (message " + receipt.messageId() + ", header SHA-256 "
                        + receipt.headerSha256() + ")",
                "received: " + at + " by " + receipt.recipient()));
        return checks;
    }

    private static String trusted(VerifiedSigner signer) {
        return "trusted at " + signer.at() + ", the time of receipt (root: " + subject(signer.anchor()) + ")";
    }

    private static String subject(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName();
    }
}
