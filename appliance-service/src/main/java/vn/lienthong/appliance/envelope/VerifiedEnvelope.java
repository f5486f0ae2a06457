package vn.lienthong.appliance.envelope;

/**
 * An envelope that passed every check of {@link EnvelopeVerifier}: payload digest, signature over
 * the header bytes, signer chain, and signer bound to the sender organ.
 */
public record VerifiedEnvelope(Envelope envelope, EnvelopeHeader header, VerifiedSigner signer) {
}
