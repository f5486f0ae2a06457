package vn.lienthong.storage.queue;

import java.time.Instant;

/**
 * One recipient's delivery of an outgoing message. {@code nextAttemptAt} is when it is due (the
 * lease's end while in flight; null once delivered or failed); {@code receipt} the recipient's
 * signed receipt (null until delivered); {@code lastError} the reason of the last failed attempt
 * (for a failed delivery, why it was given up); {@code queuedSince} when it was accepted or last
 * requeued (what a maximum age counts from); {@code failedAt} when it was dead-lettered.
 */
public record Delivery(String recipient, DeliveryStatus status, int attempts, Instant nextAttemptAt,
                       String lastError, byte[] receipt, Instant deliveredAt, Instant queuedSince,
                       Instant failedAt) {
}
