package vn.lienthong.storage.queue;

/**
 * What one tenant has waiting in a queue and the bytes of its envelopes: in its outbox, messages not
 * yet delivered to every recipient (dead letters included, since they still hold storage); in its
 * inbox, messages its document system has not acknowledged.
 */
public record TenantUsage(long documents, long bytes) {

    /** Nothing waiting. */
    public static final TenantUsage NONE = new TenantUsage(0, 0);
}
