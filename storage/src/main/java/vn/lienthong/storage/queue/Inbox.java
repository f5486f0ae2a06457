package vn.lienthong.storage.queue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import vn.lienthong.storage.lmdb.BinaryReader;
import vn.lienthong.storage.lmdb.BinaryWriter;
import vn.lienthong.storage.lmdb.Database;
import vn.lienthong.storage.lmdb.LmdbEnvironment;
import vn.lienthong.storage.lmdb.Transaction;

/**
 * Incoming messages per tenant until the tenant's document system acknowledges them. Pending
 * messages are indexed by (tenant, arrival sequence), so a tenant's list is one ordered key range
 * that never touches another tenant's keys.
 */
public final class Inbox {

    private static final int RECORD_VERSION = 1;
    private static final ByteBuffer SEQUENCE_KEY = Transaction.direct("inbox-sequence".getBytes(StandardCharsets.US_ASCII));
    /**
     * A long-poll also looks at storage this often: a put by another process on the same directory
     * signals nobody here.
     */
    private static final Duration RECHECK = Duration.ofSeconds(1);

    private final LmdbEnvironment environment;
    private final Arrivals arrivals = new Arrivals();

    /** Made by {@code Storage}; use {@code Storage.inbox()}. */
    public Inbox(LmdbEnvironment environment) {
        this.environment = Objects.requireNonNull(environment);
    }

    /** Stores durably; a known (tenant, id) is a Duplicate carrying the first entry (and its receipt). */
    public PutResult<InboxEntry> put(InboxMessage message) {
        String tenant = QueueKeys.checkTenant(message.tenant());
        String messageId = QueueKeys.checkMessageId(message.messageId());
        byte[] envelope = Objects.requireNonNull(message.envelope(), "envelope");
        Instant receivedAt = Objects.requireNonNull(message.receivedAt(), "receivedAt");
        InboxEntry entry = new InboxEntry(tenant, messageId, message.sender(), envelope, message.receipt(),
                receivedAt, null);
        ByteBuffer messageKey = QueueKeys.message(tenant, messageId);
        byte[] pendingValue = messageId.getBytes(StandardCharsets.UTF_8);
        long size = envelope.length + (entry.receipt() == null ? 0 : entry.receipt().length) + 128L;

        return environment.write(size, tx -> {
            InboxEntry existing = tx.get(Database.INBOX_MESSAGES, messageKey, v -> decode(tenant, messageId, v).entry());
            if (existing != null) {
                return new PutResult.Duplicate<>(existing);
            }
            long sequence = nextSequence(tx);
            tx.put(Database.INBOX_MESSAGES, messageKey, encode(sequence, entry));
            tx.put(Database.INBOX_PENDING, QueueKeys.inboxPending(tenant, sequence), pendingValue);
            tx.afterCommit(() -> arrivals.arrived(tenant));
            return new PutResult.Accepted<>(entry);
        });
    }

    public Optional<InboxEntry> get(String tenant, String messageId) {
        ByteBuffer key = QueueKeys.message(QueueKeys.checkTenant(tenant), QueueKeys.checkMessageId(messageId));
        return environment.read(tx -> Optional.ofNullable(
                tx.get(Database.INBOX_MESSAGES, key, v -> decode(tenant, messageId, v).entry())));
    }

    /** Unacknowledged messages of the tenant, oldest first. */
    public List<InboxEntry> pending(String tenant, int limit) {
        ByteBuffer prefix = QueueKeys.tenant(QueueKeys.checkTenant(tenant));
        if (limit <= 0) {
            throw new IllegalArgumentException("The limit must be positive, not " + limit + ".");
        }
        return environment.read(tx -> {
            List<String> ids = new ArrayList<>();
            tx.scan(Database.INBOX_PENDING, prefix, (key, value) -> {
                ids.add(StandardCharsets.UTF_8.decode(value.duplicate()).toString());
                return ids.size() < limit;
            });
            List<InboxEntry> entries = new ArrayList<>(ids.size());
            for (String id : ids) {
                InboxEntry entry = tx.get(Database.INBOX_MESSAGES, QueueKeys.message(tenant, id),
                        v -> decode(tenant, id, v).entry());
                if (entry == null) {
                    throw new IllegalStateException("The inbox is inconsistent: pending message " + id
                            + " of tenant " + tenant + " is missing.");
                }
                entries.add(entry);
            }
            return entries;
        });
    }

    /**
     * Like {@link #pending}, but when there are none waits up to {@code wait} for one to arrive
     * (long-poll); returns an empty list on timeout.
     */
    public List<InboxEntry> awaitPending(String tenant, int limit, Duration wait) throws InterruptedException {
        QueueKeys.checkTenant(tenant);
        long deadline = System.nanoTime() + Math.max(0, wait.toNanos());
        for (;;) {
            // Version first, storage second: an arrival between the two is seen as a changed version.
            long seen = arrivals.version(tenant);
            List<InboxEntry> entries = pending(tenant, limit);
            long left = deadline - System.nanoTime();
            if (!entries.isEmpty() || left <= 0) {
                return entries;
            }
            arrivals.awaitAfter(tenant, seen, Math.min(left, RECHECK.toNanos()));
        }
    }

    /** Marks the message acknowledged; false if the tenant has no such message. Idempotent. */
    public boolean acknowledge(String tenant, String messageId, Instant at) {
        ByteBuffer key = QueueKeys.message(QueueKeys.checkTenant(tenant), QueueKeys.checkMessageId(messageId));
        Objects.requireNonNull(at, "at");
        return environment.write(tx -> {
            Stored stored = tx.get(Database.INBOX_MESSAGES, key, v -> decode(tenant, messageId, v));
            if (stored == null) {
                return false;
            }
            if (stored.entry().acknowledged()) {
                return true;
            }
            InboxEntry e = stored.entry();
            tx.put(Database.INBOX_MESSAGES, key, encode(stored.sequence(), new InboxEntry(e.tenant(), e.messageId(),
                    e.sender(), e.envelope(), e.receipt(), e.receivedAt(), at)));
            tx.delete(Database.INBOX_PENDING, QueueKeys.inboxPending(tenant, stored.sequence()));
            return true;
        });
    }

    /** Unacknowledged messages across all tenants. */
    public long pendingMessages() {
        return environment.read(tx -> tx.count(Database.INBOX_PENDING));
    }

    private record Stored(long sequence, InboxEntry entry) {
    }

    /** Arrival order that survives restarts and is shared by every process on the directory. */
    private static long nextSequence(Transaction tx) {
        Long last = tx.get(Database.META, SEQUENCE_KEY, v -> new BinaryReader(v).i64());
        long next = last == null ? 1 : last + 1;
        tx.put(Database.META, SEQUENCE_KEY, new BinaryWriter(8).i64(next).toByteArray());
        return next;
    }

    private static byte[] encode(long sequence, InboxEntry entry) {
        int size = entry.envelope().length + (entry.receipt() == null ? 0 : entry.receipt().length) + 96;
        return new BinaryWriter(size).u8(RECORD_VERSION)
                .i64(sequence)
                .nullableText(entry.sender())
                .instant(entry.receivedAt())
                .nullableInstant(entry.acknowledgedAt())
                .nullableBytes(entry.receipt())
                .bytes(entry.envelope())
                .toByteArray();
    }

    private static Stored decode(String tenant, String messageId, ByteBuffer value) {
        BinaryReader reader = new BinaryReader(value).expectVersion(RECORD_VERSION);
        long sequence = reader.i64();
        String sender = reader.nullableText();
        Instant receivedAt = reader.instant();
        Instant acknowledgedAt = reader.nullableInstant();
        byte[] receipt = reader.nullableBytes();
        byte[] envelope = reader.bytes();
        return new Stored(sequence, new InboxEntry(tenant, messageId, sender, envelope, receipt, receivedAt,
                acknowledgedAt));
    }
}
