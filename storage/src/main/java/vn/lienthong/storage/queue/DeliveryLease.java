package vn.lienthong.storage.queue;

import java.time.Instant;

/**
 * A delivery the forwarder has taken: nobody else takes it until {@code leasedUntil}; if the
 * forwarder dies it becomes due again then. {@code attempt} counts from 1 (since the last
 * requeue); {@code queuedSince} is when the delivery was accepted or last requeued.
 */
public record DeliveryLease(String tenant, String messageId, String recipient, byte[] envelope, int attempt,
                            Instant leasedUntil, Instant queuedSince) {
}
