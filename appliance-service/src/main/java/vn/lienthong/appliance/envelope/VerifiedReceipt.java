package vn.lienthong.appliance.envelope;

/** A receipt that passed every check of {@link ReceiptVerifier} for the envelope it refers to. */
public record VerifiedReceipt(Receipt receipt, VerifiedSigner signer) {
}
