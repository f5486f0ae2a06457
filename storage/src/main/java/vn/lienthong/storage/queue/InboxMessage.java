package vn.lienthong.storage.queue;

import java.time.Instant;

/** A verified envelope received for a tenant, with the signed receipt the appliance answered with. */
public record InboxMessage(String tenant, String messageId, String sender, byte[] envelope, byte[] receipt,
                           Instant receivedAt) {
}
