package vn.lienthong.storage.queue;

import java.time.Instant;

/**
 * One recipient's delivery of an outgoing message. {@code receipt} is the recipient's signed
 * receipt (null until delivered); {@code lastError} the reason of the last failed attempt, if any.
 */
public record Delivery(String recipient, DeliveryStatus status, int attempts, Instant nextAttemptAt,
                       String lastError, byte[] receipt, Instant deliveredAt) {
}
