package vn.lienthong.provisioning.registry;

/**
 * A tenant's share of the appliance: how many documents and bytes it may have waiting in its
 * outbox (not yet delivered to every recipient), how many documents it may submit per minute, and
 * how many documents and bytes it may have unacknowledged in its inbox (what peers send it beyond
 * that waits at the sender). Zero means no limit of that kind.
 */
public record TenantQuota(long queuedDocuments, long queuedBytes, int submissionsPerMinute, long inboxDocuments,
                          long inboxBytes) {

    /** No limits. */
    public static final TenantQuota NONE = new TenantQuota(0, 0, 0, 0, 0);

    /** The highest submission rate that can be set (beyond it, set none). */
    public static final int MAX_SUBMISSIONS_PER_MINUTE = 1_000_000;

    public TenantQuota {
        if (queuedDocuments < 0 || queuedBytes < 0 || submissionsPerMinute < 0
                || submissionsPerMinute > MAX_SUBMISSIONS_PER_MINUTE || inboxDocuments < 0 || inboxBytes < 0) {
            throw new IllegalArgumentException("a quota is a whole number, 0 for no limit (a rate at most "
                    + MAX_SUBMISSIONS_PER_MINUTE + " per minute)");
        }
    }

    /** Outbox and rate limits only, no inbox limit. */
    public TenantQuota(long queuedDocuments, long queuedBytes, int submissionsPerMinute) {
        this(queuedDocuments, queuedBytes, submissionsPerMinute, 0, 0);
    }

    /** Whether any limit is set. */
    public boolean limited() {
        return queuedDocuments > 0 || queuedBytes > 0 || submissionsPerMinute > 0 || inboxDocuments > 0
                || inboxBytes > 0;
    }

    /** This quota with other inbox limits. */
    public TenantQuota withInbox(long documents, long bytes) {
        return new TenantQuota(queuedDocuments, queuedBytes, submissionsPerMinute, documents, bytes);
    }
}
