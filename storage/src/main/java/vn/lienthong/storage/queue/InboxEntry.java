package vn.lienthong.storage.queue;

import java.time.Instant;

/** A stored incoming message; {@code acknowledgedAt} is null until the tenant's DMS acknowledges it. */
public record InboxEntry(String tenant, String messageId, String sender, byte[] envelope, byte[] receipt,
                         Instant receivedAt, Instant acknowledgedAt) {
    public boolean acknowledged() {
        return acknowledgedAt != null;
    }
}
