package vn.lienthong.storage.queue;

import java.time.Instant;

/**
 * What a listing shows of an incoming message, read from its small index record and never from its
 * body. {@code id} addresses the message for the tenant: its message id, unless another sender's
 * message already took that id for this tenant, then {@code messageId~sender} (further collisions
 * add {@code ~N}). {@code contentType}, {@code kind} and {@code createdAt} are null where unknown.
 */
public record InboxSummary(String tenant, String id, String messageId, String sender, Instant receivedAt,
                           String contentType, String kind, Instant createdAt, long size, Instant acknowledgedAt) {

    public boolean acknowledged() {
        return acknowledgedAt != null;
    }

    /** A description given after the fact (to messages stored before descriptions were kept). */
    public record Description(String contentType, String kind, Instant createdAt) {
    }
}
