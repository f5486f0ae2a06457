package vn.lienthong.storage.queue;

import java.time.Instant;
import java.util.List;

/** A signed envelope a tenant submitted, to be delivered to each recipient organ. */
public record OutboxMessage(String tenant, String messageId, List<String> recipients, byte[] envelope, Instant acceptedAt) {
    public OutboxMessage {
        recipients = List.copyOf(recipients);
    }
}
