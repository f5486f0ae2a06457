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
import vn.lienthong.hsm.trust.RevocationLists;

/**
 * Checks an evidence file offline and says, one line per check, what it checked.
 *
 * <p>Both signer chains are validated at the receipt's {@code receivedAt}, not at the time of
 * checking: the evidence proves what was sent and received at that moment, so it stays
 * verifiable after the certificates expire (an organ certificate lives a few years; the evidence
 * must outlive it). The time of checking only refuses a receipt dated in the future. Two limits
 * follow: {@code receivedAt} is the recipient's own signed statement, not a trusted timestamp
 * (RFC 3161); and revocation is checked only against the CRLs given, each certificate as it was at
 * that time (a key revoked for keyCompromise whatever the date: its holder could date anything), a
 * revocation after it being reported without failing the evidence.
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
        return verify(evidence, trustAnchors, RevocationLists.EMPTY, now);
    }

    /**
     * As {@link #verify(Evidence, Collection, Instant)}, both signers' chains also checked against
     * the CRLs given (built with {@link #crlIssuers} as the intermediates that may have signed them).
     */
    public List<String> verify(Evidence evidence, Collection<X509Certificate> trustAnchors, RevocationLists crls,
                               Instant now) {
        Receipt receipt = evidence.receipt().receipt();
        Instant at = receipt.receivedAt();
        if (at.isAfter(now.plus(CLOCK_SKEW))) {
            throw new EnvelopeRejectedException(Reason.RECEIPT_MISMATCH, "the receipt says it was received at " + at
                    + ", which is later than now (" + now + ")");
        }
        VerifiedEnvelope envelope = envelopes.verify(evidence.envelope(), trustAnchors, crls, at);
        EnvelopeHeader header = envelope.header();
        if (header.createdAt().isAfter(at.plus(CLOCK_SKEW))) {
            throw new EnvelopeRejectedException(Reason.RECEIPT_MISMATCH, "the receipt says message "
                    + header.messageId() + " was received at " + at + ", before it was created at " + header.createdAt());
        }
        VerifiedReceipt verifiedReceipt = receipts.verify(evidence.receipt(), evidence.envelope(), receipt.recipient(),
                trustAnchors, crls, at);
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
        if (!crls.crls().isEmpty()) {
            checks.add("signer revocation: " + revocation(envelope.signer(), crls));
            checks.add("receipt signer revocation: " + revocation(verifiedReceipt.signer(), crls));
        }
        return checks;
    }

    /** The CA certificates both signatures carry: the intermediates that may have signed a CRL given. */
    public static List<X509Certificate> crlIssuers(Evidence evidence) {
        List<X509Certificate> carried = new ArrayList<>();
        try {
            carried.addAll(VerifiedSigner.carriedChain(evidence.envelope().signature(),
                    evidence.envelope().signedBytes()));
            carried.addAll(VerifiedSigner.carriedChain(evidence.receipt().signature(),
                    evidence.receipt().signedBytes()));
        } catch (EnvelopeRejectedException e) {
            // A signature that does not verify fails the evidence in verify(), with its reason.
        }
        return carried.stream().filter(c -> c.getBasicConstraints() >= 0).distinct().toList();
    }

    /** What the CRLs given say of a signer's chain: not revoked, revoked after the time of receipt, or not covered. */
    private static String revocation(VerifiedSigner signer, RevocationLists crls) {
        List<String> notes = new ArrayList<>();
        List<X509Certificate> chain = signer.chain();
        for (int i = 0; i < chain.size() && !chain.get(i).equals(signer.anchor()); i++) {
            X509Certificate certificate = chain.get(i);
            X509Certificate issuer = i + 1 < chain.size() ? chain.get(i + 1) : signer.anchor();
            crls.revocation(certificate, issuer).ifPresent(entry -> notes.add(subject(certificate) + " was revoked on "
                    + entry.getRevocationDate().toInstant() + ", after the time of receipt"));
            if (crls.crls().stream().noneMatch(held -> held.issuer().equals(issuer))) {
                notes.add("no CRL of " + subject(issuer) + " was given");
            }
        }
        return notes.isEmpty() ? "not revoked" : "not revoked at the time of receipt; " + String.join("; ", notes);
    }

    private static String trusted(VerifiedSigner signer) {
        return "trusted at " + signer.at() + ", the time of receipt (root: " + subject(signer.anchor()) + ")";
    }

    private static String subject(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName();
    }
}
