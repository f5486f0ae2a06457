package vn.lienthong.storage.queue;

import java.time.Instant;
import java.util.List;

/** A stored outgoing message and where each of its deliveries stands. */
public record OutboxEntry(String tenant, String messageId, byte[] envelope, Instant acceptedAt, List<Delivery> deliveries) {
    public OutboxEntry {
        deliveries = List.copyOf(deliveries);
    }

    /** True when every recipient has returned a receipt. */
    public boolean fullyDelivered() {
        return deliveries.stream().allMatch(d -> d.status() == DeliveryStatus.DELIVERED);
    }
}
