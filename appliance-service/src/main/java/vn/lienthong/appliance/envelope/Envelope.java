package vn.lienthong.appliance.envelope;

import java.util.Arrays;
import java.util.Objects;

/**
 * One message on the axis: the header bytes exactly as signed, the payload, and a detached CMS
 * SignedData (RFC 5652, DER) over the header bytes. The arrays are shared, not copied (a payload
 * may be tens of megabytes): treat them as read-only.
 *
 * @param headerBytes the header's JSON as transmitted ({@link EnvelopeHeader#toBytes()} at the sender)
 * @param payload     the message: an edXML document or status message, or other bytes
 * @param signature   DER CMS SignedData without encapsulated content, signer certificate included
 */
public record Envelope(byte[] headerBytes, byte[] payload, byte[] signature) {

    /** @throws EnvelopeRejectedException MALFORMED when the header bytes are not a valid header */
    public Envelope {
        Objects.requireNonNull(headerBytes, "headerBytes");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(signature, "signature");
        EnvelopeHeader.parse(headerBytes);
    }

    /** The header read from {@link #headerBytes()}. */
    public EnvelopeHeader header() {
        return EnvelopeHeader.parse(headerBytes);
    }

    /** Lower-case hex SHA-256 of the header bytes: what a receipt refers to. */
    public String headerSha256() {
        return EnvelopeHeader.sha256Hex(headerBytes);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Envelope that
                && Arrays.equals(headerBytes, that.headerBytes)
                && Arrays.equals(payload, that.payload)
                && Arrays.equals(signature, that.signature);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(headerBytes), Arrays.hashCode(payload), Arrays.hashCode(signature));
    }

    @Override
    public String toString() {
        return "Envelope[" + header().messageId() + ", payload " + payload.length + " bytes, signature "
                + signature.length + " bytes]";
    }
}
