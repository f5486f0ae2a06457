package vn.lienthong.appliance.envelope;

import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import vn.lienthong.hsm.batch.BatchRoot;
import vn.lienthong.hsm.batch.InclusionProof;

/**
 * What a batch-signed envelope carries besides its header: the signed root bytes ({@link BatchRoot},
 * which the envelope's CMS signature signs) and the proof that the header's SHA-256 is an entry
 * of that root's tree, as {@code proof.json}: {@code {"leafIndex":3,"treeSize":17,"path":[hex…]}}
 * (RFC 9162 §2.1.3, sibling hashes from the leaf up). Both are kept byte for byte as received.
 */
public record EnvelopeBatch(byte[] rootBytes, byte[] proofJson) {

    private static final String WHAT = "the envelope's batch proof";
    private static final List<String> FIELDS = List.of("leafIndex", "treeSize", "path");

    /** @throws EnvelopeRejectedException MALFORMED when either part cannot be read */
    public EnvelopeBatch {
        Objects.requireNonNull(rootBytes, "rootBytes");
        Objects.requireNonNull(proofJson, "proofJson");
        parseRoot(rootBytes);
        parseProof(proofJson);
    }

    /** The batch part for a header signed as entry of this root. */
    public static EnvelopeBatch of(BatchRoot root, InclusionProof proof) {
        byte[] json = StrictJson.write(out -> {
            out.writeNumberField("leafIndex", proof.leafIndex());
            out.writeNumberField("treeSize", proof.treeSize());
            out.writeArrayFieldStart("path");
            for (byte[] step : proof.path()) {
                out.writeString(HexFormat.of().formatHex(step));
            }
            out.writeEndArray();
        });
        return new EnvelopeBatch(root.encode(), json);
    }

    /** The optional fields a batch adds to a signed object's JSON wire form (envelope, receipt): both or neither. */
    static final List<String> WIRE_FIELDS = List.of("batchRoot", "batchProof");

    /** Writes {@code "batchRoot": b64, "batchProof": b64}, or nothing for a lone signature. */
    static void write(JsonGenerator json, EnvelopeBatch batch) throws IOException {
        if (batch != null) {
            json.writeFieldName("batchRoot");
            json.writeBinary(Base64Variants.MIME_NO_LINEFEEDS, batch.rootBytes, 0, batch.rootBytes.length);
            json.writeFieldName("batchProof");
            json.writeBinary(Base64Variants.MIME_NO_LINEFEEDS, batch.proofJson, 0, batch.proofJson.length);
        }
    }

    /** Reads what {@link #write} wrote: null when neither field is there. */
    static EnvelopeBatch read(ObjectNode json, String what) {
        if (json.has("batchRoot") != json.has("batchProof")) {
            throw StrictJson.malformed(what + " has only one of batchRoot and batchProof");
        }
        return json.has("batchRoot")
                ? new EnvelopeBatch(StrictJson.base64(json, "batchRoot", what), StrictJson.base64(json, "batchProof", what))
                : null;
    }

    public BatchRoot root() {
        return parseRoot(rootBytes);
    }

    public InclusionProof proof() {
        return parseProof(proofJson);
    }

    private static BatchRoot parseRoot(byte[] bytes) {
        try {
            return BatchRoot.parse(bytes);
        } catch (IllegalArgumentException e) {
            throw StrictJson.malformed(e.getMessage());
        }
    }

    private static InclusionProof parseProof(byte[] json) {
        ObjectNode object = StrictJson.read(json, WHAT, FIELDS);
        List<byte[]> path = new ArrayList<>();
        for (String step : StrictJson.texts(object, "path", WHAT)) {
            if (!step.matches("[0-9a-f]{64}")) {
                throw StrictJson.malformed(WHAT + " has a step that is not 64 lower-case hex digits");
            }
            path.add(HexFormat.of().parseHex(step));
        }
        try {
            return new InclusionProof(number(object, "leafIndex"), number(object, "treeSize"), path);
        } catch (IllegalArgumentException e) {
            throw StrictJson.malformed(WHAT + " is not valid: " + e.getMessage());
        }
    }

    private static long number(ObjectNode object, String field) {
        JsonNode value = object.get(field);
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw StrictJson.malformed(WHAT + "'s " + field + " is not a whole number");
        }
        return value.longValue();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof EnvelopeBatch that && Arrays.equals(rootBytes, that.rootBytes)
                && Arrays.equals(proofJson, that.proofJson);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(rootBytes) * 31 + Arrays.hashCode(proofJson);
    }

    @Override
    public String toString() {
        return "EnvelopeBatch[" + root() + ", entry " + proof().leafIndex() + "]";
    }
}
