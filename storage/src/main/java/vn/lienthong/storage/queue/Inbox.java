package vn.lienthong.storage.queue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
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
    private static final ByteBuffer EMPTY_PREFIX = ByteBuffer.allocateDirect(0);
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

        // Intake: refused above the store's high-water mark (the sender keeps it and tries again).
        return environment.writeIntake(size, tx -> {
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

    /** Unacknowledged messages of the tenant, oldest first, whether fetched (leased) or not. */
    public List<InboxEntry> pending(String tenant, int limit) {
        return list(tenant, limit, null);
    }

    /**
     * Unacknowledged messages of the tenant that are visible at {@code now}, oldest first: those not
     * fetched, and those fetched whose visibility timeout has run out without an acknowledgement.
     */
    public List<InboxEntry> visible(String tenant, int limit, Instant now) {
        return list(tenant, limit, Objects.requireNonNull(now, "now"));
    }

    private List<InboxEntry> list(String tenant, int limit, Instant visibleAt) {
        ByteBuffer prefix = QueueKeys.tenant(QueueKeys.checkTenant(tenant));
        if (limit <= 0) {
            throw new IllegalArgumentException("The limit must be positive, not " + limit + ".");
        }
        return environment.read(tx -> {
            List<String> ids = new ArrayList<>();
            tx.scan(Database.INBOX_PENDING, prefix, (key, value) -> {
                if (visibleAt != null) {
                    Instant hiddenUntil = tx.get(Database.INBOX_LEASES, key, v -> new BinaryReader(v).instant());
                    if (hiddenUntil != null && hiddenUntil.isAfter(visibleAt)) {
                        return true;
                    }
                }
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
        return await(tenant, wait, () -> pending(tenant, limit));
    }

    /**
     * Like {@link #visible}, but when none is visible waits up to {@code wait} for one to arrive or
     * to come back from a lapsed fetch (long-poll); returns an empty list on timeout.
     */
    public List<InboxEntry> awaitVisible(String tenant, int limit, Duration wait, Clock clock)
            throws InterruptedException {
        return await(tenant, wait, () -> visible(tenant, limit, clock.instant()));
    }

    private List<InboxEntry> await(String tenant, Duration wait, java.util.function.Supplier<List<InboxEntry>> look)
            throws InterruptedException {
        QueueKeys.checkTenant(tenant);
        long deadline = System.nanoTime() + Math.max(0, wait.toNanos());
        for (;;) {
            // Version first, storage second: an arrival between the two is seen as a changed version.
            long seen = arrivals.version(tenant);
            List<InboxEntry> entries = look.get();
            long left = deadline - System.nanoTime();
            if (!entries.isEmpty() || left <= 0) {
                return entries;
            }
            arrivals.awaitAfter(tenant, seen, Math.min(left, RECHECK.toNanos()));
        }
    }

    /**
     * Hands the message to the tenant's document system: returns it and, unless it is already
     * acknowledged, hides it from {@link #visible} until {@code now + visibility}. Not acknowledged by
     * then, it is visible again (delivery to the document system is at least once).
     */
    public Optional<InboxEntry> fetch(String tenant, String messageId, Instant now, Duration visibility) {
        ByteBuffer key = QueueKeys.message(QueueKeys.checkTenant(tenant), QueueKeys.checkMessageId(messageId));
        Objects.requireNonNull(now, "now");
        if (visibility.isNegative()) {
            throw new IllegalArgumentException("A visibility timeout cannot be negative.");
        }
        byte[] hiddenUntil = new BinaryWriter(12).instant(now.plus(visibility)).toByteArray();
        return environment.write(tx -> {
            Stored stored = tx.get(Database.INBOX_MESSAGES, key, v -> decode(tenant, messageId, v));
            if (stored == null) {
                return Optional.<InboxEntry>empty();
            }
            if (!stored.entry().acknowledged()) {
                tx.put(Database.INBOX_LEASES, QueueKeys.inboxPending(tenant, stored.sequence()), hiddenUntil);
            }
            return Optional.of(stored.entry());
        });
    }

    /** Makes a fetched, unacknowledged message visible again at once (the document system gave it back). */
    public boolean release(String tenant, String messageId) {
        ByteBuffer key = QueueKeys.message(QueueKeys.checkTenant(tenant), QueueKeys.checkMessageId(messageId));
        return environment.write(tx -> {
            Stored stored = tx.get(Database.INBOX_MESSAGES, key, v -> decode(tenant, messageId, v));
            if (stored == null || stored.entry().acknowledged()) {
                return false;
            }
            tx.delete(Database.INBOX_LEASES, QueueKeys.inboxPending(tenant, stored.sequence()));
            return true;
        });
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
            tx.delete(Database.INBOX_LEASES, QueueKeys.inboxPending(tenant, stored.sequence()));
            return true;
        });
    }

    /** Unacknowledged messages across all tenants. */
    public long pendingMessages() {
        return environment.read(tx -> tx.count(Database.INBOX_PENDING));
    }

    /** Unacknowledged messages per tenant and the arrival time of the oldest, in one read (for metrics). */
    public QueueDepth depth() {
        return environment.read(tx -> {
            java.util.TreeMap<String, Long> byTenant = new java.util.TreeMap<>();
            Instant[] oldest = {null};
            tx.scan(Database.INBOX_PENDING, EMPTY_PREFIX, (key, value) -> {
                String tenant = new BinaryReader(key).text();
                if (byTenant.merge(tenant, 1L, Long::sum) == 1L) {
                    // Arrival order within a tenant: its first pending message is its oldest.
                    String id = StandardCharsets.UTF_8.decode(value.duplicate()).toString();
                    Instant at = tx.get(Database.INBOX_MESSAGES, QueueKeys.message(tenant, id),
                            v -> decode(tenant, id, v).entry().receivedAt());
                    if (at != null && (oldest[0] == null || at.isBefore(oldest[0]))) {
                        oldest[0] = at;
                    }
                }
                return true;
            });
            return new QueueDepth(byTenant, Optional.ofNullable(oldest[0]));
        });
    }

    /**
     * Checks the inbox's invariants and returns a sentence for each breach (empty when sound): each
     * unacknowledged message has exactly one pending entry, each acknowledged one none, and no
     * pending entry or fetch lease stands without its message.
     */
    public List<String> checkIntegrity() {
        return environment.read(tx -> {
            List<String> problems = new ArrayList<>();
            java.util.Set<String> expected = new java.util.HashSet<>();
            tx.scan(Database.INBOX_MESSAGES, EMPTY_PREFIX, (key, value) -> {
                BinaryReader k = new BinaryReader(key);
                String tenant = k.text();
                String id = k.text();
                try {
                    Stored stored = decode(tenant, id, value);
                    if (!stored.entry().acknowledged()) {
                        expected.add(tenant + "/" + stored.sequence() + "=" + id);
                    }
                } catch (RuntimeException e) {
                    problems.add("message " + tenant + "/" + id + " cannot be read: " + e.getMessage());
                }
                return true;
            });
            java.util.Set<String> pending = new java.util.HashSet<>();
            java.util.Set<String> pendingKeys = new java.util.HashSet<>();
            tx.scan(Database.INBOX_PENDING, EMPTY_PREFIX, (key, value) -> {
                BinaryReader k = new BinaryReader(key);
                String slot = k.text() + "/" + k.i64();
                pendingKeys.add(slot);
                pending.add(slot + "=" + StandardCharsets.UTF_8.decode(value.duplicate()));
                return true;
            });
            expected.stream().filter(e -> !pending.contains(e)).sorted()
                    .forEach(e -> problems.add("unacknowledged message without its pending entry: " + e));
            pending.stream().filter(p -> !expected.contains(p)).sorted()
                    .forEach(p -> problems.add("pending entry without an unacknowledged message: " + p));
            tx.scan(Database.INBOX_LEASES, EMPTY_PREFIX, (key, value) -> {
                BinaryReader k = new BinaryReader(key);
                String slot = k.text() + "/" + k.i64();
                if (!pendingKeys.contains(slot)) {
                    problems.add("fetch lease without a pending message: " + slot);
                }
                return true;
            });
            return problems;
        });
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
