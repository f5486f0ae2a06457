package vn.lienthong.appliance.envelope;

import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import vn.lienthong.appliance.envelope.EnvelopeRejectedException.Reason;

/**
 * A receipt's bytes exactly as signed and the recipient's detached CMS signature (DER) over them,
 * or, for a batch-signed receipt, over the batch root whose tree has the receipt's SHA-256 as an
 * entry ({@code batch}: the root bytes and the inclusion proof, as an envelope carries them).
 * Wire form {@code {"receipt": b64, "signature": b64}}, plus {@code "batchRoot": b64,
 * "batchProof": b64} when batch-signed; media type {@link #MEDIA_TYPE}.
 */
public record SignedReceipt(byte[] receiptBytes, byte[] signature, EnvelopeBatch batch) {

    /** The media type of an encoded signed receipt. */
    public static final String MEDIA_TYPE = "application/vnd.lienthong.receipt+json";

    /** A signed receipt is small: a few hundred bytes of JSON and a signature with its chain. */
    public static final int MAX_ENCODED_BYTES = 256 * 1024;

    private static final List<String> FIELDS = List.of("receipt", "signature");
    private static final String WHAT = "the signed receipt";

    /** @throws EnvelopeRejectedException MALFORMED when the receipt bytes are not a valid receipt */
    public SignedReceipt {
        Objects.requireNonNull(receiptBytes, "receiptBytes");
        Objects.requireNonNull(signature, "signature");
        Receipt.parse(receiptBytes);
    }

    /** A receipt signed on its own: the CMS signs the receipt bytes. */
    public SignedReceipt(byte[] receiptBytes, byte[] signature) {
        this(receiptBytes, signature, null);
    }

    /** The bytes the CMS signature signs: the receipt's, or for a batch-signed receipt the batch root's. */
    public byte[] signedBytes() {
        return batch == null ? receiptBytes : batch.rootBytes();
    }

    /** The receipt read from {@link #receiptBytes()}. */
    public Receipt receipt() {
        return Receipt.parse(receiptBytes);
    }

    public byte[] encode() {
        return StrictJson.write(json -> {
            json.writeFieldName("receipt");
            json.writeBinary(Base64Variants.MIME_NO_LINEFEEDS, receiptBytes, 0, receiptBytes.length);
            json.writeFieldName("signature");
            json.writeBinary(Base64Variants.MIME_NO_LINEFEEDS, signature, 0, signature.length);
            EnvelopeBatch.write(json, batch);
        });
    }

    /**
     * Reads the wire form; checks its form, not its signature.
     *
     * @throws EnvelopeRejectedException TOO_LARGE or MALFORMED
     */
    public static SignedReceipt decode(byte[] wire) {
        if (wire.length > MAX_ENCODED_BYTES) {
            throw new EnvelopeRejectedException(Reason.TOO_LARGE, "the signed receipt is larger than the limit of "
                    + MAX_ENCODED_BYTES + " bytes");
        }
        ObjectNode json = StrictJson.read(wire, WHAT, FIELDS, EnvelopeBatch.WIRE_FIELDS);
        return new SignedReceipt(StrictJson.base64(json, "receipt", WHAT), StrictJson.base64(json, "signature", WHAT),
                EnvelopeBatch.read(json, WHAT));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SignedReceipt that
                && Arrays.equals(receiptBytes, that.receiptBytes) && Arrays.equals(signature, that.signature)
                && Objects.equals(batch, that.batch);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(receiptBytes) + Arrays.hashCode(signature)) + Objects.hashCode(batch);
    }

    @Override
    public String toString() {
        return "SignedReceipt[" + receipt() + ", signature " + signature.length + " bytes"
                + (batch == null ? "" : ", " + batch) + "]";
    }
}
