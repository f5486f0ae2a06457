package vn.lienthong.appliance.envelope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import vn.lienthong.appliance.envelope.EnvelopeRejectedException.Reason;

class EnvelopeCodecTest {

    static final byte[] PAYLOAD = "test".getBytes(StandardCharsets.US_ASCII);
    static final byte[] SIGNATURE = {0x30, (byte) 0x82, 0x01, (byte) 0xff};

    static Envelope envelope() {
        return new Envelope(EnvelopeHeaderTest.header().toBytes(), PAYLOAD, SIGNATURE);
    }

    static EnvelopeRejectedException rejected(String wire, Reason reason) {
        EnvelopeRejectedException e = assertThrows(EnvelopeRejectedException.class,
                () -> EnvelopeCodec.decode(wire.getBytes(StandardCharsets.UTF_8), 1 << 20));
        assertEquals(reason, e.reason());
        return e;
    }

    @Test
    void encodesTheThreePartsAsStandardBase64() {
        Envelope envelope = envelope();
        Base64.Encoder b64 = Base64.getEncoder();
        assertEquals("{\"header\":\"" + b64.encodeToString(envelope.headerBytes()) + "\",\"payload\":\"dGVzdA==\","
                        + "\"signature\":\"" + b64.encodeToString(SIGNATURE) + "\"}",
                new String(EnvelopeCodec.encode(envelope), StandardCharsets.UTF_8));
    }

    @Test
    void decodesWhatItEncodesByteForByte() {
        Envelope envelope = envelope();
        Envelope decoded = EnvelopeCodec.decode(EnvelopeCodec.encode(envelope), 1 << 20);
        assertEquals(envelope, decoded);
        assertArrayEquals(envelope.headerBytes(), decoded.headerBytes());
        assertEquals(EnvelopeHeaderTest.header(), decoded.header());
    }

    @Test
    void peeksAtTheHeaderWhereverItStandsAndGivesNothingForWhatIsNotAnEnvelope() {
        assertEquals(EnvelopeHeaderTest.header(), EnvelopeCodec.peekHeader(EnvelopeCodec.encode(envelope())).orElseThrow());
        Base64.Encoder b64 = Base64.getEncoder();
        String headerLast = "{\"payload\":\"" + "A".repeat(1 << 16) + "\",\"signature\":\"MA==\",\"header\":\""
                + b64.encodeToString(envelope().headerBytes()) + "\"}";
        assertEquals(EnvelopeHeaderTest.header(),
                EnvelopeCodec.peekHeader(headerLast.getBytes(StandardCharsets.US_ASCII)).orElseThrow());
        for (String notAnEnvelope : new String[] {"", "[]", "{\"payload\":\"dGVzdA==\"}", "{\"header\":\"bm90IGpzb24=\"}",
                "{\"header\":"}) {
            assertEquals(java.util.Optional.empty(), EnvelopeCodec.peekHeader(notAnEnvelope.getBytes(StandardCharsets.UTF_8)),
                    notAnEnvelope);
        }
    }

    @Test
    void decodesFromAStreamUpToTheLimit() throws IOException {
        byte[] wire = EnvelopeCodec.encode(envelope());
        assertEquals(envelope(), EnvelopeCodec.decode(new ByteArrayInputStream(wire), wire.length));
        EnvelopeRejectedException e = assertThrows(EnvelopeRejectedException.class,
                () -> EnvelopeCodec.decode(new ByteArrayInputStream(wire), wire.length - 1));
        assertEquals(Reason.TOO_LARGE, e.reason());
    }

    @Test
    void refusesAnEnvelopeLargerThanTheLimit() {
        byte[] wire = EnvelopeCodec.encode(envelope());
        EnvelopeRejectedException e = assertThrows(EnvelopeRejectedException.class,
                () -> EnvelopeCodec.decode(wire, 100));
        assertEquals(Reason.TOO_LARGE, e.reason());
        assertEquals("the envelope is larger than the limit of 100 bytes", e.getMessage());
    }

    @Test
    void refusesAHeaderThatIsNotAHeader() {
        String wire = "{\"header\":\"e30=\",\"payload\":\"dGVzdA==\",\"signature\":\"MA==\"}";
        assertEquals("the envelope header has no messageId", rejected(wire, Reason.MALFORMED).getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "garbage",
            "{\"header\":\"e30=\"}",
            "{\"header\":\"e30=\",\"payload\":\"dGVzdA==\",\"signature\":\"MA==\",\"more\":\"\"}",
            "{\"header\":\"not base64!\",\"payload\":\"dGVzdA==\",\"signature\":\"MA==\"}",
            "{\"header\":\"e30=\",\"payload\":[1],\"signature\":\"MA==\"}",
            "{\"header\":\"e30=\",\"header\":\"e30=\",\"payload\":\"dGVzdA==\",\"signature\":\"MA==\"}"})
    void refusesGarbageAsMalformed(String wire) {
        rejected(wire, Reason.MALFORMED);
    }

    @Test
    void refusesDeepNestingWithoutRecursingIntoIt() {
        rejected("{\"header\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}", Reason.MALFORMED);
    }
}
