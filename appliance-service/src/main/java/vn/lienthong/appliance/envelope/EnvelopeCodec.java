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
            EnvelopeBatch.write(json, envelope.batch());
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
        ObjectNode json = StrictJson.read(wire, WHAT, FIELDS, EnvelopeBatch.WIRE_FIELDS);
        EnvelopeBatch batch = EnvelopeBatch.read(json, WHAT);
        return new Envelope(StrictJson.base64(json, "header", WHAT), StrictJson.base64(json, "payload", WHAT),
                StrictJson.base64(json, "signature", WHAT), batch);
    }

    /**
     * The header of an encoded envelope, read without decoding its payload (a refusal that needs
     * only the header then costs little, however large the payload); empty if it cannot be read.
     * Nothing is verified: use it to decide what to refuse, never what to accept.
     */
    public static java.util.Optional<EnvelopeHeader> peekHeader(byte[] wire) {
        try (com.fasterxml.jackson.core.JsonParser parser = PEEK.createParser(wire)) {
            if (parser.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                return java.util.Optional.empty();
            }
            while (parser.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                if ("header".equals(field)) {
                    return java.util.Optional.of(EnvelopeHeader.parse(
                            parser.getBinaryValue(Base64Variants.MIME_NO_LINEFEEDS)));
                }
                parser.skipChildren(); // a long string is skipped unread
            }
            return java.util.Optional.empty();
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    private static final com.fasterxml.jackson.core.JsonFactory PEEK = new com.fasterxml.jackson.core.JsonFactory();

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
