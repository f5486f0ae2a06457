package vn.lienthong.appliance.envelope;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import vn.lienthong.appliance.envelope.EnvelopeRejectedException.Reason;

/**
 * The JSON rules shared by headers, receipts and the wire codecs: one flat object with exactly
 * the expected fields, no duplicate keys, nothing after it, strings where strings are expected.
 */
final class StrictJson {

    /** ISO-8601 in UTC with exactly three fractional digits, e.g. {@code 2026-01-31T08:15:00.250Z}. */
    static final DateTimeFormatter MILLIS_UTC = new DateTimeFormatterBuilder().appendInstant(3).toFormatter();

    private static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    // The callers bound the input size; strings may be as long as the input.
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxStringLength(Integer.MAX_VALUE).maxNestingDepth(8).build())
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private StrictJson() {
    }

    /** Writes one JSON object with the fields the writer adds, in the order it adds them. */
    static byte[] write(ObjectWriter writer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator json = MAPPER.getFactory().createGenerator(out)) {
            json.writeStartObject();
            writer.write(json);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Writes a JSON object's fields. */
    interface ObjectWriter {
        void write(JsonGenerator json) throws IOException;
    }

    /** Reads a JSON object that has exactly these fields, or refuses it as MALFORMED naming {@code what}. */
    static ObjectNode read(byte[] json, String what, List<String> fields) {
        return read(json, what, fields, List.of());
    }

    /** As {@link #read(byte[], String, List)}, but the {@code optional} fields may also be present. */
    static ObjectNode read(byte[] json, String what, List<String> fields, List<String> optional) {
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (IOException e) {
            throw malformed(what + " is not valid JSON: " + firstLine(e.getMessage()), e);
        }
        if (!(node instanceof ObjectNode object)) {
            throw malformed(what + " is not a JSON object");
        }
        List<String> present = new ArrayList<>();
        object.fieldNames().forEachRemaining(present::add);
        for (String name : present) {
            if (!fields.contains(name) && !optional.contains(name)) {
                throw malformed(what + " has an unknown field '" + shorten(name) + "'");
            }
        }
        for (String name : fields) {
            if (!present.contains(name)) {
                throw malformed(what + " has no " + name);
            }
        }
        return object;
    }

    static String text(ObjectNode object, String field, String what) {
        JsonNode value = object.get(field);
        if (!value.isTextual()) {
            throw malformed(what + "'s " + field + " is not a string");
        }
        return value.textValue();
    }

    static List<String> texts(ObjectNode object, String field, String what) {
        JsonNode value = object.get(field);
        if (!value.isArray()) {
            throw malformed(what + "'s " + field + " is not an array");
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode element : value) {
            if (!element.isTextual()) {
                throw malformed(what + "'s " + field + " holds something other than strings");
            }
            texts.add(element.textValue());
        }
        return texts;
    }

    static byte[] base64(ObjectNode object, String field, String what) {
        try {
            return Base64.getDecoder().decode(text(object, field, what));
        } catch (IllegalArgumentException e) {
            throw malformed(what + "'s " + field + " is not base64");
        }
    }

    static Instant instant(ObjectNode object, String field, String what) {
        String text = text(object, field, what);
        try {
            return MILLIS_UTC.parse(text, Instant::from);
        } catch (DateTimeParseException e) {
            throw malformed(what + "'s " + field + " '" + shorten(text) + "' is not an ISO-8601 UTC time");
        }
    }

    static EnvelopeRejectedException malformed(String message) {
        return new EnvelopeRejectedException(Reason.MALFORMED, message);
    }

    static EnvelopeRejectedException malformed(String message, Throwable cause) {
        return new EnvelopeRejectedException(Reason.MALFORMED, message, cause);
    }

    /** A value from the input, made safe to put in a one-line message. */
    static String shorten(String text) {
        String line = text.replaceAll("\\p{Cntrl}", "?");
        return line.length() <= 80 ? line : line.substring(0, 80) + "…";
    }

    private static String firstLine(String message) {
        String text = String.valueOf(message);
        int end = text.indexOf('\n');
        return shorten(end < 0 ? text : text.substring(0, end));
    }
}
