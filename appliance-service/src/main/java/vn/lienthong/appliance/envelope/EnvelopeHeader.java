package vn.lienthong.appliance.envelope;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import vn.lienthong.appliance.edxml.OrganId;

/**
 * The signed part of an envelope: which message, from which organ, to which organs, when, what
 * kind of payload and the payload's SHA-256 (ARCHITECTURE.md, "Signatures and evidence"). Its
 * bytes are compact JSON in a fixed field order; the signature covers the bytes as transmitted,
 * so a receiver verifies those bytes and never a re-serialisation.
 *
 * @param messageId     1 to 128 characters: letters, digits and {@code . _ : -}, starting with a letter or digit
 * @param sender        the sending organ's id
 * @param recipients    the receiving organs' ids, at least one, no repeats
 * @param createdAt     when the sender made the envelope, kept to the millisecond
 * @param contentType   the payload's media type, printable ASCII
 * @param payloadSha256 lower-case hex SHA-256 of the payload
 */
public record EnvelopeHeader(String messageId, String sender, List<String> recipients, Instant createdAt,
                             String contentType, String payloadSha256) {

    static final List<String> FIELDS =
            List.of("messageId", "sender", "recipients", "createdAt", "contentType", "payloadSha256");

    private static final Pattern MESSAGE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    private static final Pattern CONTENT_TYPE = Pattern.compile("[\\x21-\\x7e][\\x20-\\x7e]{0,254}");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    /** @throws IllegalArgumentException with a plain sentence naming the invalid field */
    public EnvelopeHeader {
        if (!isValidMessageId(messageId)) {
            throw new IllegalArgumentException("messageId " + quote(messageId)
                    + " is not 1 to 128 letters, digits, '.', '_', ':' or '-'");
        }
        requireOrganId("sender", sender);
        recipients = List.copyOf(Objects.requireNonNull(recipients, "recipients"));
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("the header has no recipients");
        }
        recipients.forEach(r -> requireOrganId("recipient", r));
        Set<String> seen = new HashSet<>();
        for (String recipient : recipients) {
            if (!seen.add(recipient)) {
                throw new IllegalArgumentException("the recipients list " + recipient + " twice");
            }
        }
        // Millisecond precision is what the JSON carries: truncating here keeps parse(toBytes()) equal.
        createdAt = Objects.requireNonNull(createdAt, "createdAt").truncatedTo(ChronoUnit.MILLIS);
        if (contentType == null || !CONTENT_TYPE.matcher(contentType).matches()) {
            throw new IllegalArgumentException("contentType " + quote(contentType) + " is not a media type");
        }
        if (payloadSha256 == null || !SHA256_HEX.matcher(payloadSha256).matches()) {
            throw new IllegalArgumentException("payloadSha256 " + quote(payloadSha256)
                    + " is not 64 lower-case hex digits");
        }
    }

    /** A header for this payload, its SHA-256 computed here. */
    public static EnvelopeHeader of(String messageId, String sender, List<String> recipients, Instant createdAt,
                                    String contentType, byte[] payload) {
        return new EnvelopeHeader(messageId, sender, recipients, createdAt, contentType, sha256Hex(payload));
    }

    /**
     * The header as compact JSON, fields in the order {@code messageId, sender, recipients,
     * createdAt, contentType, payloadSha256}; these are the bytes that get signed.
     */
    public byte[] toBytes() {
        return StrictJson.write(json -> {
            json.writeStringField("messageId", messageId);
            json.writeStringField("sender", sender);
            json.writeArrayFieldStart("recipients");
            for (String recipient : recipients) {
                json.writeString(recipient);
            }
            json.writeEndArray();
            json.writeStringField("createdAt", StrictJson.MILLIS_UTC.format(createdAt));
            json.writeStringField("contentType", contentType);
            json.writeStringField("payloadSha256", payloadSha256);
        });
    }

    /**
     * Reads header bytes strictly: exactly the six fields, valid values, and in the very form
     * {@link #toBytes()} writes, so that one header has one byte representation and a signed
     * header cannot be read two ways.
     *
     * @throws EnvelopeRejectedException MALFORMED, with a plain sentence
     */
    public static EnvelopeHeader parse(byte[] bytes) {
        ObjectNode json = StrictJson.read(bytes, "the envelope header", FIELDS);
        EnvelopeHeader header;
        try {
            header = new EnvelopeHeader(
                    StrictJson.text(json, "messageId", "the envelope header"),
                    StrictJson.text(json, "sender", "the envelope header"),
                    StrictJson.texts(json, "recipients", "the envelope header"),
                    StrictJson.instant(json, "createdAt", "the envelope header"),
                    StrictJson.text(json, "contentType", "the envelope header"),
                    StrictJson.text(json, "payloadSha256", "the envelope header"));
        } catch (IllegalArgumentException e) {
            throw StrictJson.malformed("the envelope header is invalid: " + e.getMessage(), e);
        }
        if (!Arrays.equals(bytes, header.toBytes())) {
            throw StrictJson.malformed("the envelope header is not in canonical form"
                    + " (compact JSON, fields in the specified order)");
        }
        return header;
    }

    /** The message id rule, shared with receipts: safe in keys, file names and log lines. */
    public static boolean isValidMessageId(String messageId) {
        return messageId != null && MESSAGE_ID.matcher(messageId).matches();
    }

    /** Lower-case hex SHA-256. */
    static String sha256Hex(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static void requireOrganId(String field, String value) {
        if (!OrganId.isValid(value)) {
            throw new IllegalArgumentException(field + " " + quote(value) + " is not an organ id");
        }
    }

    private static String quote(String value) {
        return value == null ? "(missing)" : "'" + StrictJson.shorten(value) + "'";
    }
}
