package vn.lienthong.appliance.envelope;

import java.util.Objects;

/**
 * An envelope, receipt or evidence file that does not pass a check. The {@link Reason} is for
 * programs (problem types, metric labels); the message is one plain sentence for people.
 */
public class EnvelopeRejectedException extends RuntimeException {

    /** Why a message was refused; stable names, used as metric labels. */
    public enum Reason {
        /** Not readable as the expected JSON, ZIP or CMS structure, or a field is invalid. */
        MALFORMED,
        /** Larger than the limit the caller set. */
        TOO_LARGE,
        /** The payload's SHA-256 is not the one the header states. */
        PAYLOAD_DIGEST_MISMATCH,
        /** The CMS signature does not verify over the signed bytes. */
        BAD_SIGNATURE,
        /** The signer's certificate chain does not lead to a trust anchor. */
        UNTRUSTED_SIGNER,
        /** The signer's chain would be trusted, but a certificate in it is expired or not yet valid. */
        EXPIRED_SIGNER,
        /** A certificate of the signer's chain is revoked, by a CRL the appliance holds. */
        CERTIFICATE_REVOKED,
        /** The CRL held for an issuer in the signer's chain is past its nextUpdate: refused until a fresh one comes. */
        CRL_OUT_OF_DATE,
        /** The signer's certificate does not allow signing (keyUsage without digitalSignature or nonRepudiation). */
        SIGNER_KEY_USAGE,
        /** The envelope's signer certificate is not the sender organ's. */
        SIGNER_NOT_SENDER,
        /** The receipt's signer certificate is not the recipient organ's. */
        SIGNER_NOT_RECIPIENT,
        /** The receipt does not refer to this envelope, or not from the expected recipient. */
        RECEIPT_MISMATCH
    }

    private final Reason reason;

    public EnvelopeRejectedException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public EnvelopeRejectedException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
