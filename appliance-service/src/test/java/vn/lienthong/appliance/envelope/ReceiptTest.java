package vn.lienthong.appliance.envelope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import vn.lienthong.appliance.envelope.EnvelopeRejectedException.Reason;

class ReceiptTest {

    @Test
    void refersToTheEnvelopeByMessageIdAndHeaderDigest() {
        Envelope envelope = EnvelopeCodecTest.envelope();
        Receipt receipt = Receipt.forEnvelope(envelope, "000.00.00.H41", Instant.parse("2026-01-31T08:15:01.5Z"));

        assertEquals("m-1", receipt.messageId());
        assertEquals(EnvelopeHeader.sha256Hex(envelope.headerBytes()), receipt.headerSha256());
        assertEquals("{\"messageId\":\"m-1\",\"headerSha256\":\"" + receipt.headerSha256()
                        + "\",\"receivedAt\":\"2026-01-31T08:15:01.500Z\",\"recipient\":\"000.00.00.H41\"}",
                new String(receipt.toBytes(), StandardCharsets.UTF_8));
        assertEquals(receipt, Receipt.parse(receipt.toBytes()));
    }

    @Test
    void refusesAReceiptWithAnUnknownField() {
        Receipt receipt = Receipt.forEnvelope(EnvelopeCodecTest.envelope(), "000.00.00.H41", Instant.EPOCH);
        String json = new String(receipt.toBytes(), StandardCharsets.UTF_8).replace("}", ",\"ok\":true}");
        EnvelopeRejectedException e = assertThrows(EnvelopeRejectedException.class,
                () -> Receipt.parse(json.getBytes(StandardCharsets.UTF_8)));
        assertEquals(Reason.MALFORMED, e.reason());
        assertEquals("the receipt has an unknown field 'ok'", e.getMessage());
    }

    @Test
    void encodesASignedReceiptAndDecodesItBack() {
        Receipt receipt = Receipt.forEnvelope(EnvelopeCodecTest.envelope(), "000.00.00.H41", Instant.EPOCH);
        SignedReceipt signed = new SignedReceipt(receipt.toBytes(), new byte[] {1, 2, 3});

        SignedReceipt decoded = SignedReceipt.decode(signed.encode());

        assertEquals(signed, decoded);
        assertEquals(receipt, decoded.receipt());
    }

    @Test
    void refusesASignedReceiptWhoseReceiptIsGarbage() {
        EnvelopeRejectedException e = assertThrows(EnvelopeRejectedException.class,
                () -> SignedReceipt.decode("{\"receipt\":\"AAAA\",\"signature\":\"AAAA\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(Reason.MALFORMED, e.reason());
    }
}
