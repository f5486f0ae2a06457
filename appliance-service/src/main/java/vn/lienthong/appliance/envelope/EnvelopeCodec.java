package vn.lienthong.appliance.envelope;

import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import vn.lienthong.appliance.envelope.EnvelopeRejectedException.Reason;

/**
 * The envelope's wire form between appliances: {@code {"header": b64, "payload": b64,
 * "signature": b64}} (standard base64 with padding, RFC 4648 §4), media type {@link #MEDIA_TYPE};
 * a batch-signed envelope adds {@code "batchRoot": b64} (the signed root bytes) and
 * {@code "batchProof": b64} (the proof's JSON), both or neither.
 */
public final class EnvelopeCodec {

    /** The media type of an encoded envelope. */
    public static final String MEDIA_TYPE = "application/vnd.lienthong.envelope+json";

    private static final List<String> FIELDS = List.of("header", "payload", "signature");
    private static final List<String> BATCH_FIELDS = List.of("batchRoot", "batchProof");
    private static final String WHAT = "the envelope";

    private EnvelopeCodec() {
    }

    public static byte[] encode(Envelope envelope) {
        return StrictJson.write(json -> {
            json.writeFieldName("header");
            json.writeBinary(Base64Variants.MIME_NO_LINEFEEDS, envelope.headerBytes(), 0, envelope.headerBytes().length);
            json.writeFieldName("payload");
            json.writeBinary(Base64Variants.MIME_NO_LINEFEEDS, envelope.payload(), 0, envelope.payload().length);
            json.writeFieldName("signature");
            json.writeBinary(Base64Variants.MIME_NO_LINEFEEDS, envelope.signature(), 0, envelope.signature().length);
            if (envelope.batch() != null) {
                byte[] root = envelope.batch().rootBytes();
                byte[] proof = envelope.batch().proofJson();
                json.writeFieldName("batchRoot");
                json.writeBinary(Base64Variants.MIME_NO_LINEFEEDS, root, 0, root.length);
                json.writeFieldName("batchProof");
                json.writeBinary(Base64Variants.MIME_NO_LINEFEEDS, proof, 0, proof.length);
            }
        });
    }

    /**
     * Reads an encoded envelope of at most {@code maxBytes}; checks its form and header, not its signature.
     *
     * @throws EnvelopeRejectedException TOO_LARGE or MALFORMED
     */
    public static Envelope decode(byte[] wire, int maxBytes) {
        if (wire.length > maxBytes) {
            throw tooLarge(maxBytes);
        }
        ObjectNode json = StrictJson.read(wire, WHAT, FIELDS, BATCH_FIELDS);
        EnvelopeBatch batch = null;
        if (json.has("batchRoot") != json.has("batchProof")) {
            throw StrictJson.malformed(WHAT + " has only one of batchRoot and batchProof");
        }
        if (json.has("batchRoot")) {
            batch = new EnvelopeBatch(StrictJson.base64(json, "batchRoot", WHAT),
                    StrictJson.base64(json, "batchProof", WHAT));
        }
        return new Envelope(StrictJson.base64(json, "header", WHAT), StrictJson.base64(json, "payload", WHAT),
                StrictJson.base64(json, "signature", WHAT), batch);
    }

    /** Reads at most {@code maxBytes} from the stream, then decodes as {@link #decode(byte[], int)}. */
    public static Envelope decode(InputStream in, int maxBytes) throws IOException {
        byte[] wire = in.readNBytes(maxBytes);
        if (wire.length == maxBytes && in.read() != -1) {
            throw tooLarge(maxBytes);
        }
        return decode(wire, maxBytes);
    }

    private static EnvelopeRejectedException tooLarge(int maxBytes) {
        return new EnvelopeRejectedException(Reason.TOO_LARGE, "the envelope is larger than the limit of "
                + maxBytes + " bytes");
    }
}
