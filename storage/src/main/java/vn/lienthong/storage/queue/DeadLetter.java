package vn.lienthong.storage.queue;

import java.time.Instant;

/** A delivery the forwarder gave up on, with why: what an operator lists and may requeue. */
public record DeadLetter(String tenant, String messageId, String recipient, int attempts, String reason,
                         Instant failedAt) {
}
