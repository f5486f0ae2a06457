package vn.lienthong.storage.queue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import vn.lienthong.storage.lmdb.BinaryReader;
import vn.lienthong.storage.lmdb.BinaryWriter;

/**
 * Keys of the queue databases. Every component is length-prefixed, so a tenant's records form one
 * key range and a due time in front sorts the due index by time. Bounds keep every key below
 * LMDB's 511-byte limit.
 */
final class QueueKeys {

    static final int MAX_TENANT_BYTES = 128;
    static final int MAX_MESSAGE_ID_BYTES = 200;
    static final int MAX_RECIPIENT_BYTES = 128;
    /** An inbox id: a message id, or one with its sender and a number added to tell it from another's. */
    static final int MAX_INBOX_ID_BYTES = 360;

    private QueueKeys() {
    }

    /** A due-index key taken apart. */
    record Due(Instant at, String tenant, String messageId, String recipient) {
        static Due decode(ByteBuffer key) {
            BinaryReader reader = new BinaryReader(key);
            return new Due(reader.instant(), reader.text(), reader.text(), reader.text());
        }

        ByteBuffer encode() {
            return due(at, tenant, messageId, recipient);
        }
    }

    /** A delivery key (also a dead-letter key) taken apart. */
    record DeliveryKey(String tenant, String messageId, String recipient) {
        static DeliveryKey decode(ByteBuffer key) {
            BinaryReader reader = new BinaryReader(key);
            return new DeliveryKey(reader.text(), reader.text(), reader.text());
        }
    }

    static ByteBuffer tenant(String tenant) {
        return new BinaryWriter().text(tenant).toBuffer();
    }

    static ByteBuffer message(String tenant, String messageId) {
        return new BinaryWriter().text(tenant).text(messageId).toBuffer();
    }

    static ByteBuffer delivery(String tenant, String messageId, String recipient) {
        return new BinaryWriter().text(tenant).text(messageId).text(recipient).toBuffer();
    }

    static ByteBuffer due(Instant at, String tenant, String messageId, String recipient) {
        return new BinaryWriter().instant(at).text(tenant).text(messageId).text(recipient).toBuffer();
    }

    /** The per-tenant due-index key of a due entry: tenant first, so each tenant's entries are one range. */
    static ByteBuffer tenantDue(Due due) {
        return new BinaryWriter().text(due.tenant()).instant(due.at()).text(due.messageId()).text(due.recipient())
                .toBuffer();
    }

    static Due decodeTenantDue(ByteBuffer key) {
        BinaryReader reader = new BinaryReader(key);
        String tenant = reader.text();
        return new Due(reader.instant(), tenant, reader.text(), reader.text());
    }

    /** The smallest key after every key that begins with {@code tenant}'s component, or null if there is none. */
    static byte[] afterTenant(String tenant) {
        byte[] prefix = new BinaryWriter().text(tenant).toByteArray();
        for (int i = prefix.length - 1; i >= 0; i--) {
            if (prefix[i] != (byte) 0xFF) {
                prefix[i]++;
                return java.util.Arrays.copyOf(prefix, i + 1);
            }
        }
        return null;
    }

    /** A received message by who sent it: (tenant, sender, message id). */
    static ByteBuffer senderMessage(String tenant, String sender, String messageId) {
        return new BinaryWriter().text(tenant).text(sender).text(messageId).toBuffer();
    }

    static ByteBuffer inboxPending(String tenant, long sequence) {
        return new BinaryWriter().text(tenant).i64(sequence).toBuffer();
    }

    static String checkTenant(String tenant) {
        return check(tenant, "tenant", MAX_TENANT_BYTES);
    }

    static String checkMessageId(String messageId) {
        return check(messageId, "message id", MAX_MESSAGE_ID_BYTES);
    }

    static String checkInboxId(String id) {
        return check(id, "message id", MAX_INBOX_ID_BYTES);
    }

    static String checkSender(String sender) {
        return check(sender, "sender", MAX_RECIPIENT_BYTES);
    }

    static String checkRecipient(String recipient) {
        return check(recipient, "recipient", MAX_RECIPIENT_BYTES);
    }

    private static String check(String value, String what, int maxBytes) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("A " + what + " is required.");
        }
        if (value.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
            throw new IllegalArgumentException("The " + what + " is longer than " + maxBytes + " bytes of UTF-8.");
        }
        return value;
    }
}
