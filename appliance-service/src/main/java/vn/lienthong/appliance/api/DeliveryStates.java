package vn.lienthong.appliance.api;

import java.time.Instant;
import vn.lienthong.storage.queue.Delivery;

/**
 * The names a document system sees for a delivery's state: {@code queued}, {@code in-flight},
 * {@code delivered} (its receipt is kept) and {@code failed} (dead-lettered, with the reason).
 */
final class DeliveryStates {

    private DeliveryStates() {
    }

    static String name(Delivery delivery, Instant now) {
        return switch (delivery.status()) {
            case PENDING -> "queued";
            // A lease that ran out without a report is queued again: its forwarder is gone.
            case IN_FLIGHT -> delivery.nextAttemptAt() != null && delivery.nextAttemptAt().isAfter(now)
                    ? "in-flight" : "queued";
            case DELIVERED -> "delivered";
            case FAILED -> "failed";
        };
    }
}
