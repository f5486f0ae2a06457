package vn.lienthong.storage.queue;

import java.time.Instant;

/**
 * A verified envelope received for a tenant, with the signed receipt the appliance answered with.
 * {@code contentType}, {@code kind} and {@code createdAt} describe it for listings (read from its
 * small index record, never from the body); null where the caller does not know them.
 */
public record InboxMessage(String tenant, String messageId, String sender, byte[] envelope, byte[] receipt,
                           Instant receivedAt, String contentType, String kind, Instant createdAt) {

    /** A message described by nothing but its sender and size. */
    public InboxMessage(String tenant, String messageId, String sender, byte[] envelope, byte[] receipt,
                        Instant receivedAt) {
        this(tenant, messageId, sender, envelope, receipt, receivedAt, null, null, null);
    }
}
