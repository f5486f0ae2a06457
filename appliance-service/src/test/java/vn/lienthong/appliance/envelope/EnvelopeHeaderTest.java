package vn.lienthong.appliance.envelope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import vn.lienthong.appliance.envelope.EnvelopeRejectedException.Reason;

class EnvelopeHeaderTest {

    static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    static EnvelopeHeader header() {
        return new EnvelopeHeader("m-1", "000.00.00.G22", List.of("000.00.00.H41", "000.00.00.H14"),
                Instant.parse("2026-01-31T08:15:00.250123Z"), "application/edxml+xml", SHA);
    }

    static EnvelopeRejectedException malformed(String json) {
        EnvelopeRejectedException e = assertThrows(EnvelopeRejectedException.class,
                () -> EnvelopeHeader.parse(json.getBytes(StandardCharsets.UTF_8)));
        assertEquals(Reason.MALFORMED, e.reason());
        return e;
    }

    @Test
    void writesCompactJsonWithTheFieldsInTheFixedOrderAndMillisecondUtcTime() {
        assertEquals("{\"messageId\":\"m-1\",\"sender\":\"000.00.00.G22\",\"recipients\":[\"000.00.00.H41\",\"000.00.00.H14\"],"
                        + "\"createdAt\":\"2026-01-31T08:15:00.250Z\",\"contentType\":\"application/edxml+xml\","
                        + "\"payloadSha256\":\"" + SHA + "\"}",
                new String(header().toBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void writesMillisecondsEvenWhenTheyAreZero() {
        EnvelopeHeader header = new EnvelopeHeader("m", "G22", List.of("H41"), Instant.parse("2026-01-31T08:15:00Z"),
                "text/plain", SHA);
        assertTrue(new String(header.toBytes(), StandardCharsets.UTF_8).contains("\"2026-01-31T08:15:00.000Z\""));
    }

    @Test
    void readsBackWhatItWrites() {
        EnvelopeHeader header = header();
        assertEquals(header, EnvelopeHeader.parse(header.toBytes()));
        assertEquals(Instant.parse("2026-01-31T08:15:00.250Z"), header.createdAt());
    }

    @Test
    void computesThePayloadDigestForAHeaderMadeFromThePayload() {
        EnvelopeHeader header = EnvelopeHeader.of("m-1", "G22", List.of("H41"), Instant.EPOCH, "text/plain",
                "test".getBytes(StandardCharsets.US_ASCII));
        assertEquals(SHA, header.payloadSha256());
    }

    @Test
    void refusesAnUnknownField() {
        String json = new String(header().toBytes(), StandardCharsets.UTF_8).replace("}", ",\"extra\":1}");
        assertEquals("the envelope header has an unknown field 'extra'", malformed(json).getMessage());
    }

    @Test
    void refusesAMissingField() {
        String json = new String(header().toBytes(), StandardCharsets.UTF_8).replaceFirst(",\"contentType\":\"[^\"]*\"", "");
        assertEquals("the envelope header has no contentType", malformed(json).getMessage());
    }

    @Test
    void refusesADuplicateFieldThatTwoReadersCouldResolveDifferently() {
        String json = new String(header().toBytes(), StandardCharsets.UTF_8)
                .replace("{\"messageId\":\"m-1\",", "{\"messageId\":\"m-1\",\"sender\":\"000.00.00.G99\",");
        assertTrue(malformed(json).getMessage().startsWith("the envelope header is not valid JSON: Duplicate field 'sender'"));
    }

    @Test
    void refusesHeaderBytesThatAreNotInCanonicalForm() {
        String json = new String(header().toBytes(), StandardCharsets.UTF_8).replace(",", ", ");
        assertEquals("the envelope header is not in canonical form (compact JSON, fields in the specified order)",
                malformed(json).getMessage());
    }

    @Test
    void refusesTrailingContent() {
        malformed(new String(header().toBytes(), StandardCharsets.UTF_8) + "{}");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "\"sender\":\"x y\"",
            "\"recipients\":[]",
            "\"recipients\":[\"000.00.00.H41\",\"000.00.00.H41\"]",
            "\"recipients\":[\"000.00.00.H41\",1]",
            "\"recipients\":\"000.00.00.H41\"",
            "\"createdAt\":\"2026-01-31 08:15:00\"",
            "\"payloadSha256\":\"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\"",
            "\"payloadSha256\":\"9f86\"",
            "\"messageId\":\"\"",
            "\"messageId\":\"a/../b\"",
            "\"contentType\":\"\"",
            "\"messageId\":7"})
    void refusesAnInvalidValue(String field) {
        String name = field.substring(1, field.indexOf('"', 1));
        String json = new String(header().toBytes(), StandardCharsets.UTF_8)
                .replaceFirst("\"" + name + "\":(\\[[^\\]]*\\]|\"[^\"]*\")", java.util.regex.Matcher.quoteReplacement(field));
        assertTrue(malformed(json).getMessage().contains(name), field);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "[]", "null", "\"x\"", "{", "\u0000"})
    void refusesWhatIsNotAJsonObject(String json) {
        malformed(json);
    }
}
