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
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
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
        Instant common = parseMillisUtc(text);
        if (common != null) {
            return common;
        }
        try {
            return MILLIS_UTC.parse(text, Instant::from);
        } catch (DateTimeParseException e) {
            throw malformed(what + "'s " + field + " '" + shorten(text) + "' is not an ISO-8601 UTC time");
        }
    }

    /**
     * The time in the exact form this appliance writes ({@code 2026-01-31T08:15:00.250Z}), read
     * without the general formatter (which cost 4% of the receiver's CPU); {@code null} for any
     * other text, which {@link #MILLIS_UTC} then decides on, so the accepted set is unchanged.
     */
    static Instant parseMillisUtc(String text) {
        if (text.length() != 24 || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != 'T'
                || text.charAt(13) != ':' || text.charAt(16) != ':' || text.charAt(19) != '.'
                || text.charAt(23) != 'Z') {
            return null;
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 2);
        int day = digits(text, 8, 2);
        int hour = digits(text, 11, 2);
        int minute = digits(text, 14, 2);
        int second = digits(text, 17, 2);
        int millis = digits(text, 20, 3);
        if ((year | month | day | hour | minute | second | millis) < 0) {
            return null;
        }
        try {
            return LocalDateTime.of(year, month, day, hour, minute, second, millis * 1_000_000)
                    .toInstant(ZoneOffset.UTC);
        } catch (DateTimeException outOfRange) {
            return null;
        }
    }

    /** The ASCII digits at {@code [from, from + count)} as a number, or -1 if any is not a digit. */
    private static int digits(String text, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
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
