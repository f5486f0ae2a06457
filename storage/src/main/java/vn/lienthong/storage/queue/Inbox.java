package vn.lienthong.storage.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Incoming messages per tenant until the tenant's document system acknowledges them. */
public final class Inbox {

    Inbox() {
    }

    /** Stores durably; a known (tenant, id) is a Duplicate carrying the first entry (and its receipt). */
    public PutResult<InboxEntry> put(InboxMessage message) {
        throw new UnsupportedOperationException("TODO");
    }

    public Optional<InboxEntry> get(String tenant, String messageId) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Unacknowledged messages of the tenant, oldest first. */
    public List<InboxEntry> pending(String tenant, int limit) {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * Like {@link #pending}, but when there are none waits up to {@code wait} for one to arrive
     * (long-poll); returns an empty list on timeout.
     */
    public List<InboxEntry> awaitPending(String tenant, int limit, Duration wait) throws InterruptedException {
        throw new UnsupportedOperationException("TODO");
    }

    /** Marks the message acknowledged; false if the tenant has no such message. Idempotent. */
    public boolean acknowledge(String tenant, String messageId, Instant at) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Unacknowledged messages across all tenants. */
    public long pendingMessages() {
        throw new UnsupportedOperationException("TODO");
    }
}
