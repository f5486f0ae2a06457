package vn.lienthong.appliance.envelope;

import java.util.Arrays;
import java.util.Objects;

/**
 * One message on the axis: the header bytes exactly as signed, the payload, and a detached CMS
 * SignedData (RFC 5652, DER) over the header bytes, or, when the header was signed in a batch,
 * over the batch's root bytes, with the proof that the header is in that batch. The arrays are
 * shared, not copied (a payload may be tens of megabytes): treat them as read-only.
 *
 * @param headerBytes the header's JSON as transmitted ({@link EnvelopeHeader#toBytes()} at the sender)
 * @param payload     the message: an edXML document or status message, or other bytes
 * @param signature   DER CMS SignedData without encapsulated content, signer certificate included,
 *                    over {@link #signedBytes()}
 * @param batch       {@code null} for a header signed alone; else the signed root and the proof
 */
public record Envelope(byte[] headerBytes, byte[] payload, byte[] signature, EnvelopeBatch batch) {

    /** @throws EnvelopeRejectedException MALFORMED when the header bytes are not a valid header */
    public Envelope {
        Objects.requireNonNull(headerBytes, "headerBytes");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(signature, "signature");
        EnvelopeHeader.parse(headerBytes);
    }

    /** An envelope whose header was signed alone. */
    public Envelope(byte[] headerBytes, byte[] payload, byte[] signature) {
        this(headerBytes, payload, signature, null);
    }

    /** True when the signature covers a batch root rather than the header itself. */
    public boolean batchSigned() {
        return batch != null;
    }

    /** What {@link #signature()} signs: the header bytes, or the batch's root bytes. */
    public byte[] signedBytes() {
        return batch == null ? headerBytes : batch.rootBytes();
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
                && Arrays.equals(signature, that.signature)
                && Objects.equals(batch, that.batch);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(headerBytes), Arrays.hashCode(payload), Arrays.hashCode(signature), batch);
    }

    @Override
    public String toString() {
        return "Envelope[" + header().messageId() + ", payload " + payload.length + " bytes, signature "
                + signature.length + " bytes" + (batch == null ? "" : ", " + batch) + "]";
    }
}
