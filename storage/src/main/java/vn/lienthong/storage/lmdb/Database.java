package vn.lienthong.storage.lmdb;

/**
 * The named LMDB databases of the environment, the whole schema in one place. Keys are big-endian
 * binary; those holding tenant data begin with the length-prefixed tenant so that one tenant's
 * records are a contiguous key range.
 */
public enum Database {
    /** Schema version and counters. */
    META("meta"),
    /**
     * (tenant, message id) to the outgoing message: its record (accepted time, recipients, envelope)
     * in stores of schema 1, a reference to the record in {@link #OUTBOX_BODIES} since schema 2.
     */
    OUTBOX_MESSAGES("outbox-messages"),
    /**
     * (tenant, message id, recipient) to that delivery's state, once it has changed: since schema 2 a
     * delivery without a record here is in the initial state its message implies.
     */
    OUTBOX_DELIVERIES("outbox-deliveries"),
    /** (next attempt time, tenant, message id, recipient) of every pending delivery, earliest first. */
    OUTBOX_DUE("outbox-due"),
    /**
     * (tenant, message id) to the incoming message and its acknowledgement; since schema 4 (tenant,
     * public id) to its body, which is never rewritten (the acknowledgement is in {@link #INBOX_INDEX}).
     */
    INBOX_MESSAGES("inbox-messages"),
    /** (tenant, arrival sequence) to the public id of every unacknowledged incoming message. */
    INBOX_PENDING("inbox-pending"),
    /** (kind, 0x00, key) to a registry record. */
    REGISTRY("registry"),
    /** (tenant, message id, recipient) of every dead-lettered delivery, for the operator's list. */
    OUTBOX_DEAD("outbox-dead"),
    /** (tenant, arrival sequence) of a fetched, unacknowledged incoming message to when it is visible again. */
    INBOX_LEASES("inbox-leases"),
    /**
     * (tenant, next attempt time, message id, recipient) of every pending delivery: the due index
     * again, by tenant, so that the forwarder can serve tenants in turn.
     */
    OUTBOX_TENANT_DUE("outbox-tenant-due"),
    /** (sequence) to an audit record holding the SHA-256 of the one before. */
    AUDIT("audit"),
    /**
     * (sequence, in acceptance order; since schema 3 with a chunk number) to an outgoing message's
     * record, whole (schema 2) or in chunks cut to fill the leaf pages (schema 3), which its entry in
     * {@link #OUTBOX_MESSAGES} refers to: appended, so that a new record fills the last page.
     */
    OUTBOX_BODIES("outbox-bodies"),
    /** (sequence of the audit record signed) to a signed checkpoint of the audit chain's head. */
    AUDIT_CHECKPOINTS("audit-checkpoints"),
    /**
     * (tenant, arrival sequence) to the small index record of an incoming message (ids, sender, times,
     * type, size, acknowledgement), which listings read instead of the body; since schema 4.
     */
    INBOX_INDEX("inbox-index"),
    /** (tenant, sender, message id) to the arrival sequence of the message it names; since schema 4. */
    INBOX_SENDER_IDS("inbox-sender-ids");

    private final String lmdbName;

    Database(String lmdbName) {
        this.lmdbName = lmdbName;
    }

    /** The database's name inside the LMDB environment (never change it: stored data depends on it). */
    public String lmdbName() {
        return lmdbName;
    }
}
