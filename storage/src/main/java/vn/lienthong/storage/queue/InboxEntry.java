package vn.lienthong.storage.queue;

import java.time.Instant;

/**
 * A stored incoming message with its body; {@code acknowledgedAt} is null until the tenant's DMS
 * acknowledges it. {@code id} is how the tenant addresses it ({@link InboxSummary#id()}).
 */
public record InboxEntry(String tenant, String messageId, String sender, byte[] envelope, byte[] receipt,
                         Instant receivedAt, Instant acknowledgedAt, String id) {
    public boolean acknowledged() {
        return acknowledgedAt != null;
    }
}
