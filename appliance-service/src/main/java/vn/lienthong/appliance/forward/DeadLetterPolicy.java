package vn.lienthong.appliance.forward;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import vn.lienthong.storage.queue.DeliveryLease;

/**
 * When the forwarder stops retrying a delivery and dead-letters it: after {@code maxAttempts}
 * failed attempts, or once it has been queued for {@code maxAge} (zero turns a limit off).
 */
public record DeadLetterPolicy(int maxAttempts, Duration maxAge) {

    /** Why the failed attempt under {@code lease} is the last one, or empty to retry. */
    public Optional<String> giveUp(DeliveryLease lease, Instant now) {
        if (maxAttempts > 0 && lease.attempt() >= maxAttempts) {
            return Optional.of("gave up after " + lease.attempt() + " attempts (forwarder.max-attempts)");
        }
        if (!maxAge.isZero() && lease.queuedSince() != null
                && !Duration.between(lease.queuedSince(), now).minus(maxAge).isNegative()) {
            return Optional.of("gave up after " + Duration.between(lease.queuedSince(), now).toMinutes()
                    + " minutes queued (forwarder.max-age-minutes)");
        }
        return Optional.empty();
    }
}
