package vn.lienthong.storage.queue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import vn.lienthong.storage.lmdb.BinaryReader;
import vn.lienthong.storage.lmdb.BinaryWriter;
import vn.lienthong.storage.lmdb.Database;
import vn.lienthong.storage.lmdb.LmdbEnvironment;
import vn.lienthong.storage.lmdb.Transaction;

/**
 * Incoming messages per tenant until the tenant's document system acknowledges them. Each message
 * has a small index record under (tenant, arrival sequence), which listings read, and a body that
 * only a fetch of that one message reads; unacknowledged messages are also listed under (tenant,
 * arrival sequence), so a tenant's list is one ordered key range that never touches another
 * tenant's keys. A message is known by (tenant, sender, message id): another sender's message with
 * the same id is a different message, never a duplicate.
 */
public final class Inbox {

    private static final int RECORD_VERSION = 1;
    private static final int INDEX_VERSION = 1;
    private static final ByteBuffer EMPTY_PREFIX = ByteBuffer.allocateDirect(0);
    private static final ByteBuffer SEQUENCE_KEY = Transaction.direct("inbox-sequence".getBytes(StandardCharsets.US_ASCII));
    /** Present while messages upgraded from an older store wait for {@link #describe}. */
    private static final ByteBuffer UNDESCRIBED_KEY =
            Transaction.direct("inbox-undescribed".getBytes(StandardCharsets.US_ASCII));
    private static final byte[] USAGE_PREFIX = "inbox-usage".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NO_VALUE = new byte[0];
    /** Offset of the sequence in a body record, just after its version byte. */
    private static final int BODY_SEQUENCE_OFFSET = 1;
    /** Messages described per write by {@link #describe}. */
    private static final int DESCRIBE_BATCH = 256;
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

    /** Stores durably; a known (tenant, sender, message id) is a Duplicate carrying the first entry (and its receipt). */
    public PutResult<InboxEntry> put(InboxMessage message) {
        return putWithin(message, 0, 0).orElseThrow();
    }

    /**
     * Like {@link #put}, but only if the tenant's unacknowledged messages stay within
     * {@code maxDocuments} and {@code maxBytes} (0: no limit) with this one added; empty when they
     * would not. A duplicate is answered whatever the quota. Check and write are one transaction.
     */
    public Optional<PutResult<InboxEntry>> putWithin(InboxMessage message, long maxDocuments, long maxBytes) {
        String tenant = QueueKeys.checkTenant(message.tenant());
        String messageId = QueueKeys.checkMessageId(message.messageId());
        String sender = QueueKeys.checkSender(message.sender());
        byte[] envelope = Objects.requireNonNull(message.envelope(), "envelope");
        Instant receivedAt = Objects.requireNonNull(message.receivedAt(), "receivedAt");
        ByteBuffer senderKey = QueueKeys.senderMessage(tenant, sender, messageId);
        ByteBuffer usageKey = usageKey(tenant);
        // Encoded here, off the writer thread; the sequence is filled in once the transaction knows it.
        byte[] body = encodeBody(0, sender, receivedAt, message.receipt(), envelope);
        long size = body.length + 512L;

        // Intake: refused above the store's high-water mark (the sender keeps it and tries again).
        return environment.writeIntake(size, tx -> {
            Long known = tx.get(Database.INBOX_SENDER_IDS, senderKey, v -> new BinaryReader(v).i64());
            if (known != null) {
                return Optional.<PutResult<InboxEntry>>of(new PutResult.Duplicate<>(entry(tx, tenant, known)));
            }
            TenantUsage usage = UsageCounters.read(tx, usageKey);
            if ((maxDocuments > 0 && usage.documents() + 1 > maxDocuments)
                    || (maxBytes > 0 && usage.bytes() + envelope.length > maxBytes)) {
                return Optional.<PutResult<InboxEntry>>empty();
            }
            long sequence = nextSequence(tx);
            String id = freeId(tx, tenant, messageId, sender, sequence);
            ByteBuffer.wrap(body).putLong(BODY_SEQUENCE_OFFSET, sequence);
            InboxSummary summary = new InboxSummary(tenant, id, messageId, sender, receivedAt, message.contentType(),
                    message.kind(), message.createdAt(), envelope.length, null);
            ByteBuffer slot = QueueKeys.inboxPending(tenant, sequence);
            tx.put(Database.INBOX_MESSAGES, QueueKeys.message(tenant, id), body);
            tx.put(Database.INBOX_INDEX, slot, encodeSummary(summary));
            tx.put(Database.INBOX_SENDER_IDS, senderKey, new BinaryWriter(8).i64(sequence).toByteArray());
            tx.put(Database.INBOX_PENDING, slot, id.getBytes(StandardCharsets.UTF_8));
            UsageCounters.write(tx, usageKey, new TenantUsage(usage.documents() + 1, usage.bytes() + envelope.length));
            tx.afterCommit(() -> arrivals.arrived(tenant));
            return Optional.<PutResult<InboxEntry>>of(new PutResult.Accepted<>(new InboxEntry(tenant, messageId,
                    sender, envelope, message.receipt(), receivedAt, null, id)));
        });
    }

    /**
     * The tenant's id for a new message: its message id if no message of the tenant has it, else
     * with its sender added, else with the arrival sequence too (and a number, should even that be taken).
     */
    private static String freeId(Transaction tx, String tenant, String messageId, String sender, long sequence) {
        List<String> candidates = new ArrayList<>(List.of(messageId, messageId + "~" + sender,
                messageId + "~" + sender + "~" + sequence));
        for (int n = 1; n <= 100; n++) {
            candidates.add(messageId + "~" + sender + "~" + sequence + "." + n);
        }
        for (String candidate : candidates) {
            if (!tx.exists(Database.INBOX_MESSAGES, QueueKeys.message(tenant, candidate))) {
                return candidate;
            }
        }
        throw new IllegalStateException("No free inbox id for message " + messageId + " of " + sender + ".");
    }

    /** The message the tenant knows by {@code id} ({@link InboxSummary#id()}), body included. */
    public Optional<InboxEntry> get(String tenant, String id) {
        QueueKeys.checkTenant(tenant);
        QueueKeys.checkInboxId(id);
        return environment.read(tx -> Optional.ofNullable(sequenceOf(tx, tenant, id)).map(s -> entry(tx, tenant, s)));
    }

    /** The message {@code sender} sent the tenant under {@code messageId}, if it was received. */
    public Optional<InboxEntry> received(String tenant, String sender, String messageId) {
        ByteBuffer key = QueueKeys.senderMessage(QueueKeys.checkTenant(tenant), QueueKeys.checkSender(sender),
                QueueKeys.checkMessageId(messageId));
        return environment.read(tx -> Optional.ofNullable(
                tx.get(Database.INBOX_SENDER_IDS, key, v -> new BinaryReader(v).i64())).map(s -> entry(tx, tenant, s)));
    }

    /** Whether {@code sender}'s message {@code messageId} was received for the tenant; reads no body. */
    public boolean hasReceived(String tenant, String sender, String messageId) {
        ByteBuffer key = QueueKeys.senderMessage(QueueKeys.checkTenant(tenant), QueueKeys.checkSender(sender),
                QueueKeys.checkMessageId(messageId));
        return environment.read(tx -> tx.exists(Database.INBOX_SENDER_IDS, key));
    }

    /** The index record of the message the tenant knows by {@code id}; reads no body. */
    public Optional<InboxSummary> summary(String tenant, String id) {
        QueueKeys.checkTenant(tenant);
        QueueKeys.checkInboxId(id);
        return environment.read(tx -> Optional.ofNullable(sequenceOf(tx, tenant, id)).map(s -> summary(tx, tenant, s)));
    }

    /** Unacknowledged messages of the tenant, oldest first, whether fetched (leased) or not; reads no body. */
    public List<InboxSummary> pending(String tenant, int limit) {
        return list(tenant, limit, null);
    }

    /**
     * Unacknowledged messages of the tenant that are visible at {@code now}, oldest first: those not
     * fetched, and those fetched whose visibility timeout has run out without an acknowledgement.
     * Reads the index records only, never a body.
     */
    public List<InboxSummary> visible(String tenant, int limit, Instant now) {
        return list(tenant, limit, Objects.requireNonNull(now, "now"));
    }

    private List<InboxSummary> list(String tenant, int limit, Instant visibleAt) {
        ByteBuffer prefix = QueueKeys.tenant(QueueKeys.checkTenant(tenant));
        if (limit <= 0) {
            throw new IllegalArgumentException("The limit must be positive, not " + limit + ".");
        }
        return environment.read(tx -> {
            List<InboxSummary> summaries = new ArrayList<>();
            tx.scan(Database.INBOX_PENDING, prefix, (key, value) -> {
                if (visibleAt != null) {
                    Instant hiddenUntil = tx.get(Database.INBOX_LEASES, key, v -> new BinaryReader(v).instant());
                    if (hiddenUntil != null && hiddenUntil.isAfter(visibleAt)) {
                        return true;
                    }
                }
                InboxSummary summary = tx.get(Database.INBOX_INDEX, key, v -> decodeSummary(tenant, v));
                if (summary == null) {
                    throw new IllegalStateException("The inbox is inconsistent: pending message "
                            + StandardCharsets.UTF_8.decode(value.duplicate()) + " of tenant " + tenant
                            + " has no index record.");
                }
                summaries.add(summary);
                return summaries.size() < limit;
            });
            return summaries;
        });
    }

    /**
     * Like {@link #pending}, but when there are none waits up to {@code wait} for one to arrive
     * (long-poll); returns an empty list on timeout.
     */
    public List<InboxSummary> awaitPending(String tenant, int limit, Duration wait) throws InterruptedException {
        return await(tenant, wait, () -> pending(tenant, limit));
    }

    /**
     * Like {@link #visible}, but when none is visible waits up to {@code wait} for one to arrive or
     * to come back from a lapsed fetch (long-poll); returns an empty list on timeout.
     */
    public List<InboxSummary> awaitVisible(String tenant, int limit, Duration wait, Clock clock)
            throws InterruptedException {
        return await(tenant, wait, () -> visible(tenant, limit, clock.instant()));
    }

    private List<InboxSummary> await(String tenant, Duration wait,
                                     java.util.function.Supplier<List<InboxSummary>> look)
            throws InterruptedException {
        QueueKeys.checkTenant(tenant);
        long deadline = System.nanoTime() + Math.max(0, wait.toNanos());
        for (;;) {
            // Version first, storage second: an arrival between the two is seen as a changed version.
            long seen = arrivals.version(tenant);
            List<InboxSummary> entries = look.get();
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
    public Optional<InboxEntry> fetch(String tenant, String id, Instant now, Duration visibility) {
        QueueKeys.checkTenant(tenant);
        QueueKeys.checkInboxId(id);
        Objects.requireNonNull(now, "now");
        if (visibility.isNegative()) {
            throw new IllegalArgumentException("A visibility timeout cannot be negative.");
        }
        byte[] hiddenUntil = new BinaryWriter(12).instant(now.plus(visibility)).toByteArray();
        // The lease is written without reading the body, which is read afterwards outside the writer thread.
        Long sequence = environment.write(tx -> {
            Long found = sequenceOf(tx, tenant, id);
            if (found != null && tx.exists(Database.INBOX_PENDING, QueueKeys.inboxPending(tenant, found))) {
                tx.put(Database.INBOX_LEASES, QueueKeys.inboxPending(tenant, found), hiddenUntil);
            }
            return found;
        });
        return sequence == null ? Optional.empty() : environment.read(tx -> Optional.of(entry(tx, tenant, sequence)));
    }

    /** Makes a fetched, unacknowledged message visible again at once (the document system gave it back). */
    public boolean release(String tenant, String id) {
        QueueKeys.checkTenant(tenant);
        QueueKeys.checkInboxId(id);
        return environment.write(tx -> {
            Long sequence = sequenceOf(tx, tenant, id);
            if (sequence == null || !tx.exists(Database.INBOX_PENDING, QueueKeys.inboxPending(tenant, sequence))) {
                return false;
            }
            tx.delete(Database.INBOX_LEASES, QueueKeys.inboxPending(tenant, sequence));
            return true;
        });
    }

    /**
     * Marks the message acknowledged; false if the tenant has no such message. Idempotent. It no
     * longer counts towards the tenant's {@link #usage}.
     */
    public boolean acknowledge(String tenant, String id, Instant at) {
        QueueKeys.checkTenant(tenant);
        QueueKeys.checkInboxId(id);
        Objects.requireNonNull(at, "at");
        ByteBuffer usageKey = usageKey(tenant);
        return environment.write(tx -> {
            Long sequence = sequenceOf(tx, tenant, id);
            if (sequence == null) {
                return false;
            }
            ByteBuffer slot = QueueKeys.inboxPending(tenant, sequence);
            InboxSummary s = summary(tx, tenant, sequence);
            if (s.acknowledged()) {
                return true;
            }
            tx.put(Database.INBOX_INDEX, slot, encodeSummary(new InboxSummary(s.tenant(), s.id(), s.messageId(),
                    s.sender(), s.receivedAt(), s.contentType(), s.kind(), s.createdAt(), s.size(), at)));
            tx.delete(Database.INBOX_PENDING, slot);
            tx.delete(Database.INBOX_LEASES, slot);
            TenantUsage usage = UsageCounters.read(tx, usageKey);
            UsageCounters.write(tx, usageKey, new TenantUsage(usage.documents() - 1, usage.bytes() - s.size()));
            return true;
        });
    }

    /** What the tenant's document system has not acknowledged yet: documents and envelope bytes (kept as written, not counted). */
    public TenantUsage usage(String tenant) {
        QueueKeys.checkTenant(tenant);
        return environment.read(tx -> UsageCounters.read(tx, usageKey(tenant)));
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
                    Instant at = tx.get(Database.INBOX_INDEX, key, v -> decodeSummary(tenant, v).receivedAt());
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
     * Once, at open: gives the messages of a store written before schema 4 their index records, sender
     * keys and usage counters, in one transaction. Bodies stay where they are (their id is their message
     * id, unique per tenant then). Called by {@code Storage}; does nothing on an upgraded store.
     */
    public void upgrade() {
        if (!environment.read(Inbox::needsUpgrade)) {
            return;
        }
        environment.write(tx -> {
            if (!needsUpgrade(tx)) {
                return null; // another process did it meanwhile
            }
            Map<String, TenantUsage> usage = new HashMap<>();
            boolean[] undescribed = {false};
            tx.scan(Database.INBOX_MESSAGES, EMPTY_PREFIX, (key, value) -> {
                BinaryReader k = new BinaryReader(key);
                String tenant = k.text();
                String id = k.text();
                BinaryReader body = new BinaryReader(value).expectVersion(RECORD_VERSION);
                long sequence = body.i64();
                String sender = body.nullableText();
                Instant receivedAt = body.instant();
                Instant acknowledgedAt = body.nullableInstant();
                body.nullableBytes();
                long size = body.i32(); // the envelope's length, without reading the envelope
                tx.put(Database.INBOX_INDEX, QueueKeys.inboxPending(tenant, sequence), encodeSummary(new InboxSummary(
                        tenant, id, id, sender, receivedAt, null, null, null, size, acknowledgedAt)));
                tx.put(Database.INBOX_SENDER_IDS, QueueKeys.senderMessage(tenant, sender == null ? "" : sender, id),
                        new BinaryWriter(8).i64(sequence).toByteArray());
                if (acknowledgedAt == null) {
                    usage.merge(tenant, new TenantUsage(1, size),
                            (a, b) -> new TenantUsage(a.documents() + b.documents(), a.bytes() + b.bytes()));
                    undescribed[0] = true;
                }
                return true;
            });
            usage.forEach((tenant, u) -> UsageCounters.write(tx, usageKey(tenant), u));
            if (undescribed[0]) {
                tx.put(Database.META, UNDESCRIBED_KEY, NO_VALUE);
            }
            return null;
        });
    }

    /**
     * Messages but no index records: an inbox written before schema 4. Since then every message gets
     * its index record in the transaction that stores it, and the upgrade is one transaction, so no
     * store has some of them indexed and others not.
     */
    private static boolean needsUpgrade(Transaction tx) {
        return tx.count(Database.INBOX_INDEX) == 0 && tx.count(Database.INBOX_MESSAGES) > 0;
    }

    /**
     * Describes the unacknowledged messages an upgraded store had, for listings: {@code describer}
     * reads an envelope (one body in memory at a time). Does nothing once they all are; returns how
     * many it described.
     */
    public int describe(Function<byte[], InboxSummary.Description> describer) {
        int described = 0;
        byte[] after = null;
        while (environment.read(tx -> tx.exists(Database.META, UNDESCRIBED_KEY))) {
            List<byte[]> slots = undescribed(after);
            Map<ByteBuffer, InboxSummary.Description> descriptions = new HashMap<>();
            for (byte[] slot : slots) {
                ByteBuffer key = ByteBuffer.wrap(slot);
                byte[] envelope = environment.read(tx -> {
                    String tenant = new BinaryReader(key).text();
                    InboxSummary s = tx.get(Database.INBOX_INDEX, key, v -> decodeSummary(tenant, v));
                    return s == null ? null : tx.get(Database.INBOX_MESSAGES, QueueKeys.message(tenant, s.id()),
                            v -> decodeBody(v).envelope());
                });
                if (envelope != null) {
                    descriptions.put(key, describer.apply(envelope));
                }
            }
            boolean last = slots.size() < DESCRIBE_BATCH;
            environment.write(tx -> {
                descriptions.forEach((key, d) -> {
                    String tenant = new BinaryReader(key).text();
                    InboxSummary s = tx.get(Database.INBOX_INDEX, key, v -> decodeSummary(tenant, v));
                    if (s != null) {
                        tx.put(Database.INBOX_INDEX, key, encodeSummary(new InboxSummary(s.tenant(), s.id(),
                                s.messageId(), s.sender(), s.receivedAt(), d.contentType(), d.kind(), d.createdAt(),
                                s.size(), s.acknowledgedAt())));
                    }
                });
                if (last) {
                    tx.delete(Database.META, UNDESCRIBED_KEY);
                }
                return null;
            });
            described += descriptions.size();
            after = slots.isEmpty() ? after : slots.getLast();
        }
        return described;
    }

    /** Up to a batch of pending slots after {@code after} (null: from the first) whose index record has no description. */
    private List<byte[]> undescribed(byte[] after) {
        return environment.read(tx -> {
            List<byte[]> slots = new ArrayList<>();
            java.util.function.BiPredicate<ByteBuffer, ByteBuffer> visit = (key, value) -> {
                if (after != null && java.util.Arrays.equals(Transaction.copy(key), after)) {
                    return true;
                }
                String tenant = new BinaryReader(key).text();
                InboxSummary s = tx.get(Database.INBOX_INDEX, key, v -> decodeSummary(tenant, v));
                if (s != null && s.contentType() == null && s.kind() == null && s.createdAt() == null) {
                    slots.add(Transaction.copy(key));
                }
                return slots.size() < DESCRIBE_BATCH;
            };
            if (after == null) {
                tx.scan(Database.INBOX_PENDING, EMPTY_PREFIX, visit);
            } else {
                tx.scanFrom(Database.INBOX_PENDING, Transaction.direct(after), visit);
            }
            return slots;
        });
    }

    /**
     * Checks the inbox's invariants and returns a sentence for each breach (empty when sound): each
     * message has its body, its sender key and, unacknowledged, exactly one pending entry (acknowledged,
     * none); no pending entry or fetch lease stands without its message; each tenant's usage counter
     * is what its unacknowledged messages add up to.
     */
    public List<String> checkIntegrity() {
        return environment.read(tx -> {
            List<String> problems = new ArrayList<>();
            java.util.Set<String> expected = new java.util.HashSet<>();
            Map<String, TenantUsage> usage = new java.util.TreeMap<>();
            tx.scan(Database.INBOX_INDEX, EMPTY_PREFIX, (key, value) -> {
                BinaryReader k = new BinaryReader(key);
                String tenant = k.text();
                long sequence = k.i64();
                try {
                    InboxSummary s = decodeSummary(tenant, value);
                    Long bodySequence = sequenceOf(tx, tenant, s.id());
                    if (bodySequence == null || bodySequence != sequence) {
                        problems.add("message " + tenant + "/" + s.id() + " has no body of its own");
                    }
                    Long known = tx.get(Database.INBOX_SENDER_IDS, QueueKeys.senderMessage(tenant,
                            s.sender() == null ? "" : s.sender(), s.messageId()), v -> new BinaryReader(v).i64());
                    if (known == null || known != sequence) {
                        problems.add("message " + tenant + "/" + s.id() + " is not known by its sender and message id");
                    }
                    if (!s.acknowledged()) {
                        expected.add(tenant + "/" + sequence + "=" + s.id());
                        usage.merge(tenant, new TenantUsage(1, s.size()),
                                (a, b) -> new TenantUsage(a.documents() + b.documents(), a.bytes() + b.bytes()));
                    }
                } catch (RuntimeException e) {
                    problems.add("index record " + tenant + "/" + sequence + " cannot be read: " + e.getMessage());
                }
                return true;
            });
            java.util.Set<String> pending = new java.util.HashSet<>();
            java.util.Set<String> pendingKeys = new java.util.HashSet<>();
            java.util.Set<String> tenants = new java.util.TreeSet<>(usage.keySet());
            tx.scan(Database.INBOX_PENDING, EMPTY_PREFIX, (key, value) -> {
                BinaryReader k = new BinaryReader(key);
                String tenant = k.text();
                String slot = tenant + "/" + k.i64();
                tenants.add(tenant);
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
            for (String tenant : tenants) {
                TenantUsage counted = UsageCounters.read(tx, usageKey(tenant));
                TenantUsage actual = usage.getOrDefault(tenant, TenantUsage.NONE);
                if (!counted.equals(actual)) {
                    problems.add("inbox usage of " + tenant + " is counted as " + counted + " but is " + actual);
                }
            }
            return problems;
        });
    }

    /** The arrival sequence of the message the tenant knows by {@code id}, from its body's first bytes; null if none. */
    private static Long sequenceOf(Transaction tx, String tenant, String id) {
        return tx.get(Database.INBOX_MESSAGES, QueueKeys.message(tenant, id),
                v -> new BinaryReader(v).expectVersion(RECORD_VERSION).i64());
    }

    private static InboxSummary summary(Transaction tx, String tenant, long sequence) {
        InboxSummary summary = tx.get(Database.INBOX_INDEX, QueueKeys.inboxPending(tenant, sequence),
                v -> decodeSummary(tenant, v));
        if (summary == null) {
            throw new IllegalStateException("The inbox is inconsistent: message " + sequence + " of tenant " + tenant
                    + " has no index record.");
        }
        return summary;
    }

    /** The whole message: its index record and its body. */
    private static InboxEntry entry(Transaction tx, String tenant, long sequence) {
        InboxSummary s = summary(tx, tenant, sequence);
        Body body = tx.get(Database.INBOX_MESSAGES, QueueKeys.message(tenant, s.id()), Inbox::decodeBody);
        if (body == null) {
            throw new IllegalStateException("The inbox is inconsistent: message " + s.id() + " of tenant " + tenant
                    + " has no body.");
        }
        return new InboxEntry(tenant, s.messageId(), s.sender(), body.envelope(), body.receipt(), s.receivedAt(),
                s.acknowledgedAt(), s.id());
    }

    private static ByteBuffer usageKey(String tenant) {
        return UsageCounters.key(USAGE_PREFIX, tenant);
    }

    /** Arrival order that survives restarts and is shared by every process on the directory. */
    private static long nextSequence(Transaction tx) {
        Long last = tx.get(Database.META, SEQUENCE_KEY, v -> new BinaryReader(v).i64());
        long next = last == null ? 1 : last + 1;
        tx.put(Database.META, SEQUENCE_KEY, new BinaryWriter(8).i64(next).toByteArray());
        return next;
    }

    private static byte[] encodeSummary(InboxSummary s) {
        return new BinaryWriter(160).u8(INDEX_VERSION)
                .text(s.id())
                .nullableText(s.sender())
                .text(s.messageId())
                .instant(s.receivedAt())
                .nullableText(s.contentType())
                .nullableText(s.kind())
                .nullableInstant(s.createdAt())
                .i64(s.size())
                .nullableInstant(s.acknowledgedAt())
                .toByteArray();
    }

    private static InboxSummary decodeSummary(String tenant, ByteBuffer value) {
        BinaryReader reader = new BinaryReader(value).expectVersion(INDEX_VERSION);
        String id = reader.text();
        String sender = reader.nullableText();
        String messageId = reader.text();
        Instant receivedAt = reader.instant();
        String contentType = reader.nullableText();
        String kind = reader.nullableText();
        Instant createdAt = reader.nullableInstant();
        long size = reader.i64();
        return new InboxSummary(tenant, id, messageId, sender, receivedAt, contentType, kind, createdAt, size,
                reader.nullableInstant());
    }

    /**
     * A body as schema 1 wrote whole messages, kept so: the sequence, sender and received time (the
     * index record's since schema 4), an acknowledgement time that only older stores filled in, the
     * receipt and the envelope. Never rewritten once stored.
     */
    private static byte[] encodeBody(long sequence, String sender, Instant receivedAt, byte[] receipt, byte[] envelope) {
        int size = envelope.length + (receipt == null ? 0 : receipt.length) + 96;
        return new BinaryWriter(size).u8(RECORD_VERSION)
                .i64(sequence)
                .nullableText(sender)
                .instant(receivedAt)
                .nullableInstant(null)
                .nullableBytes(receipt)
                .bytes(envelope)
                .toByteArray();
    }

    private record Body(byte[] receipt, byte[] envelope) {
    }

    private static Body decodeBody(ByteBuffer value) {
        BinaryReader reader = new BinaryReader(value).expectVersion(RECORD_VERSION);
        reader.i64();
        reader.nullableText();
        reader.instant();
        reader.nullableInstant();
        byte[] receipt = reader.nullableBytes();
        return new Body(receipt, reader.bytes());
    }
}
