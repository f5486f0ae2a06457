package vn.lienthong.appliance.envelope;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import vn.lienthong.appliance.edxml.OrganId;

/**
 * A recipient's statement that it received one envelope: the message id, the SHA-256 of the
 * header bytes it received, when, and which organ. Compact JSON in a fixed field order, signed by
 * the recipient organ's key ({@link SignedReceipt}).
 *
 * @param messageId    the envelope header's message id
 * @param headerSha256 lower-case hex SHA-256 of the envelope's header bytes
 * @param receivedAt   when the recipient stored the envelope, kept to the millisecond
 * @param recipient    the organ id that received it
 */
public record Receipt(String messageId, String headerSha256, Instant receivedAt, String recipient) {

    static final List<String> FIELDS = List.of("messageId", "headerSha256", "receivedAt", "recipient");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    /** @throws IllegalArgumentException with a plain sentence naming the invalid field */
    public Receipt {
        if (!EnvelopeHeader.isValidMessageId(messageId)) {
            throw new IllegalArgumentException("the receipt's messageId is not a message id");
        }
        if (headerSha256 == null || !SHA256_HEX.matcher(headerSha256).matches()) {
            throw new IllegalArgumentException("the receipt's headerSha256 is not 64 lower-case hex digits");
        }
        receivedAt = Objects.requireNonNull(receivedAt, "receivedAt").truncatedTo(ChronoUnit.MILLIS);
        if (!OrganId.isValid(recipient)) {
            throw new IllegalArgumentException("the receipt's recipient is not an organ id");
        }
    }

    /** The receipt a recipient gives for an envelope it stored at {@code receivedAt}. */
    public static Receipt forEnvelope(Envelope envelope, String recipient, Instant receivedAt) {
        return new Receipt(envelope.header().messageId(), envelope.headerSha256(), receivedAt, recipient);
    }

    /** Compact JSON, fields in the order {@code messageId, headerSha256, receivedAt, recipient}. */
    public byte[] toBytes() {
        return StrictJson.write(json -> {
            json.writeStringField("messageId", messageId);
            json.writeStringField("headerSha256", headerSha256);
            json.writeStringField("receivedAt", StrictJson.MILLIS_UTC.format(receivedAt));
            json.writeStringField("recipient", recipient);
        });
    }

    /**
     * Reads receipt bytes strictly, in the very form {@link #toBytes()} writes.
     *
     * @throws EnvelopeRejectedException MALFORMED, with a plain sentence
     */
    public static Receipt parse(byte[] bytes) {
        ObjectNode json = StrictJson.read(bytes, "the receipt", FIELDS);
        Receipt receipt;
        try {
            receipt = new Receipt(StrictJson.text(json, "messageId", "the receipt"),
                    StrictJson.text(json, "headerSha256", "the receipt"),
                    StrictJson.instant(json, "receivedAt", "the receipt"),
                    StrictJson.text(json, "recipient", "the receipt"));
        } catch (IllegalArgumentException e) {
            throw StrictJson.malformed(e.getMessage(), e);
        }
        if (!Arrays.equals(bytes, receipt.toBytes())) {
            throw StrictJson.malformed("the receipt is not in canonical form (compact JSON, fields in the specified order)");
        }
        return receipt;
    }
}
