package vn.lienthong.storage.queue;

/**
 * What one tenant has waiting in its outbox: messages not yet delivered to every recipient (dead
 * letters included, since they still hold storage) and the bytes of their envelopes.
 */
public record TenantUsage(long documents, long bytes) {

    /** Nothing waiting. */
    public static final TenantUsage NONE = new TenantUsage(0, 0);
}
