package vn.lienthong.storage.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** Outgoing messages per tenant, with per-recipient delivery state, leases and retries. */
public final class Outbox {

    Outbox() {
    }

    /** Stores the message durably, every recipient pending and due now; a known (tenant, id) is a Duplicate. */
    public PutResult<OutboxEntry> put(OutboxMessage message) {
        throw new UnsupportedOperationException("TODO");
    }

    public Optional<OutboxEntry> get(String tenant, String messageId) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Takes the pending delivery due earliest (at or before now), if any, for {@code leaseDuration}. */
    public Optional<DeliveryLease> leaseNextDue(Instant now, Duration leaseDuration) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Records the recipient's receipt; the delivery is done. */
    public void delivered(DeliveryLease lease, byte[] receipt, Instant at) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Records a failed attempt; the delivery becomes due again at {@code nextAttemptAt}. */
    public void retryLater(DeliveryLease lease, Instant nextAttemptAt, String reason) {
        throw new UnsupportedOperationException("TODO");
    }

    /** The earliest time any pending delivery is due, if there is one (lets the forwarder sleep). */
    public Optional<Instant> nextDueAt() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Pending deliveries across all tenants. */
    public long pendingDeliveries() {
        throw new UnsupportedOperationException("TODO");
    }
}
