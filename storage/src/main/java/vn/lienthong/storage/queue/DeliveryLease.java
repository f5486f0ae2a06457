package vn.lienthong.storage.queue;

import java.time.Instant;

/**
 * A delivery the forwarder has taken: nobody else takes it until {@code leasedUntil}; if the
 * forwarder dies it becomes due again then. {@code attempt} counts from 1.
 */
public record DeliveryLease(String tenant, String messageId, String recipient, byte[] envelope, int attempt,
                            Instant leasedUntil) {
}
