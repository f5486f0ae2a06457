package vn.lienthong.storage.queue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import vn.lienthong.storage.lmdb.BinaryReader;
import vn.lienthong.storage.lmdb.BinaryWriter;
import vn.lienthong.storage.lmdb.Database;
import vn.lienthong.storage.lmdb.LmdbEnvironment;
import vn.lienthong.storage.lmdb.Transaction;

/**
 * Outgoing messages per tenant, with per-recipient delivery state, leases and retries.
 *
 * <p>Every pending delivery has exactly one entry in a due index ordered by its next attempt time;
 * a lease moves that time to the lease's end, so a forwarder that dies leaves the delivery due
 * again. A lease is current while no later lease of the same delivery was taken: a retry reported
 * under an older lease is ignored, but a receipt is recorded whichever attempt brought it.
 *
 * <p>What accepting a message writes is kept small, since it is most of what an enqueue costs on
 * disk: the record is appended in acceptance order (full pages, no random page touched), in chunks
 * cut to fill the leaf pages ({@link BodyChunks}), the message id only refers to it, and a new
 * delivery's state (queued, no attempt yet, due when the message was accepted) is implied by the
 * record until it changes.
 */
public final class Outbox {

    private static final int RECORD_VERSION = 1;
    /**
     * First byte of a message id's value that refers to the record, whole, in OUTBOX_BODIES under
     * its sequence (schema 2; a record itself begins with 1, schema 1).
     */
    private static final int BODY_REFERENCE = 2;
    /** First byte of a reference to a record kept in chunks under (sequence, chunk number), since schema 3. */
    private static final int CHUNKS_REFERENCE = 3;
    /** Keeps a peer's long error text from bloating every delivery record. */
    private static final int MAX_ERROR_CHARS = 2000;
    private static final byte[] NO_VALUE = new byte[0];
    /** Stored status codes, fixed apart from the enum's order. */
    private static final int PENDING_CODE = 0;
    private static final int DELIVERED_CODE = 1;
    private static final int IN_FLIGHT_CODE = 2;
    private static final int FAILED_CODE = 3;
    private static final ByteBuffer EMPTY_PREFIX = ByteBuffer.allocateDirect(0);
    /** Prefix of each tenant's usage counter in the meta database. */
    private static final byte[] USAGE_PREFIX = "outbox-usage".getBytes(StandardCharsets.US_ASCII);

    private final LmdbEnvironment environment;
    /** The tenant whose delivery was leased last: the next lease goes to the tenant after it (round robin). */
    private volatile String lastServedTenant;
    private volatile boolean tenantIndexChecked;
    /** The sequence the next record is appended under; -1 until the first (used on the writer thread only). */
    private long nextBody = -1;
    /** Cuts records into chunks that fill the bodies' leaf pages (used on the writer thread only). */
    private final BodyChunks bodyChunks;

    /** Made by {@code Storage}; use {@code Storage.outbox()}. */
    public Outbox(LmdbEnvironment environment) {
        this.environment = Objects.requireNonNull(environment);
        this.bodyChunks = new BodyChunks(environment.pageSize());
    }

    /** Stores the message durably, every recipient pending and due now; a known (tenant, id) is a Duplicate. */
    public PutResult<OutboxEntry> put(OutboxMessage message) {
        return putWithin(message, 0, 0).orElseThrow();
    }

    /**
     * Like {@link #put}, but only if the tenant's usage stays within {@code maxDocuments} and
     * {@code maxBytes} (0: no limit) with this message added; empty when it would not. The check
     * and the write are one transaction, so concurrent submissions cannot overshoot together.
     */
    public Optional<PutResult<OutboxEntry>> putWithin(OutboxMessage message, long maxDocuments, long maxBytes) {
        String tenant = QueueKeys.checkTenant(message.tenant());
        String messageId = QueueKeys.checkMessageId(message.messageId());
        byte[] envelope = Objects.requireNonNull(message.envelope(), "envelope");
        Instant acceptedAt = Objects.requireNonNull(message.acceptedAt(), "acceptedAt");
        List<String> recipients = distinct(message.recipients());
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("An outgoing message needs at least one recipient.");
        }

        // Encode before entering the writer thread, which serves everyone; plain loops, as this runs
        // for every accepted document.
        ByteBuffer messageKey = QueueKeys.message(tenant, messageId);
        ByteBuffer usageKey = usageKey(tenant);
        // Version, accepted-at, the recipients and the envelope, each with its length: exactly this long.
        int recordBytes = 1 + 12 + 4 + 4 + envelope.length;
        for (String recipient : recipients) {
            recordBytes += 4 + recipient.getBytes(StandardCharsets.UTF_8).length;
        }
        BinaryWriter record = new BinaryWriter(recordBytes).u8(RECORD_VERSION).instant(acceptedAt)
                .i32(recipients.size());
        List<Delivery> deliveries = new ArrayList<>(recipients.size());
        List<DueKeys> dueKeys = new ArrayList<>(recipients.size());
        for (String recipient : recipients) {
            record.text(recipient);
            deliveries.add(initial(recipient, acceptedAt));
            dueKeys.add(DueKeys.of(new QueueKeys.Due(acceptedAt, tenant, messageId, recipient)));
        }
        byte[] messageRecord = record.bytes(envelope).toByteArray();

        // Intake: refused above the store's high-water mark, counting the room its deliveries will need.
        long intakeBytes = messageRecord.length
                + (128L + LmdbEnvironment.PENDING_DELIVERY_RESERVE_BYTES) * recipients.size();
        return environment.writeIntake(intakeBytes, tx -> {
            if (tx.exists(Database.OUTBOX_MESSAGES, messageKey)) {
                return Optional.<PutResult<OutboxEntry>>of(new PutResult.Duplicate<>(read(tx, tenant, messageId).orElseThrow()));
            }
            UsageInGroup usage = usageInGroup(tx, tenant, usageKey);
            if ((maxDocuments > 0 && usage.value.documents() + 1 > maxDocuments)
                    || (maxBytes > 0 && usage.value.bytes() + envelope.length > maxBytes)) {
                return Optional.<PutResult<OutboxEntry>>empty();
            }
            putRecord(tx, messageKey, messageRecord);
            // No delivery state yet: the record implies it (see initial).
            for (DueKeys keys : dueKeys) {
                tx.put(Database.OUTBOX_DUE, keys.byTime(), NO_VALUE);
                tx.put(Database.OUTBOX_TENANT_DUE, keys.byTenant(), NO_VALUE);
            }
            usage.value = new TenantUsage(usage.value.documents() + 1, usage.value.bytes() + envelope.length);
            return Optional.<PutResult<OutboxEntry>>of(
                    new PutResult.Accepted<>(new OutboxEntry(tenant, messageId, envelope, acceptedAt, deliveries)));
        });
    }

    /** Appends the record to the bodies, in chunks, and makes the message id refer to it. */
    private void putRecord(Transaction tx, ByteBuffer messageKey, byte[] record) {
        long sequence = nextBody;
        int chunks = sequence < 0 ? 0 : bodyChunks.append(tx, sequence, record);
        if (chunks == 0) {
            // The first record since opening, or another process appended meanwhile: go on after the last.
            Long last = tx.last(Database.OUTBOX_BODIES, (key, value) -> new BinaryReader(key).i64());
            sequence = last == null ? 0 : last + 1;
            chunks = bodyChunks.append(tx, sequence, record);
            if (chunks == 0) {
                throw new IllegalStateException("The outbox's records are out of order after sequence " + last + ".");
            }
        }
        nextBody = sequence + 1;
        tx.put(Database.OUTBOX_MESSAGES, messageKey, new BinaryWriter(17).u8(CHUNKS_REFERENCE).i64(sequence)
                .i32(chunks).i32(record.length).toByteArray());
    }

    private static ByteBuffer bodyKey(long sequence) {
        return new BinaryWriter(8).i64(sequence).toBuffer();
    }

    /**
     * Decodes the message's record with {@code decoder}, wherever it is kept; null when the message
     * is not stored (or the decoder returns null).
     */
    private static <T> T record(Transaction tx, String tenant, String messageId, Function<ByteBuffer, T> decoder) {
        return tx.get(Database.OUTBOX_MESSAGES, QueueKeys.message(tenant, messageId), value -> {
            int kind = value.get(value.position());
            if (kind != BODY_REFERENCE && kind != CHUNKS_REFERENCE) {
                return decoder.apply(value); // schema 1: the record itself
            }
            BinaryReader reference = new BinaryReader(value);
            reference.u8();
            long sequence = reference.i64();
            if (kind == BODY_REFERENCE) {
                return decodeBody(tx, bodyKey(sequence), tenant, messageId, decoder);
            }
            int chunks = reference.i32();
            int length = reference.i32();
            if (chunks < 1 || length < 0) {
                throw inconsistent(tenant, messageId, "has a damaged reference");
            }
            if (chunks == 1) {
                return decodeBody(tx, BodyChunks.key(sequence, 0), tenant, messageId, decoder);
            }
            ByteBuffer whole = ByteBuffer.allocate(length);
            for (int chunk = 0; chunk < chunks; chunk++) {
                decodeBody(tx, BodyChunks.key(sequence, chunk), tenant, messageId, body -> {
                    if (body.remaining() > whole.remaining()) {
                        throw inconsistent(tenant, messageId, "is longer than its reference says");
                    }
                    return whole.put(body);
                });
            }
            if (whole.hasRemaining()) {
                throw inconsistent(tenant, messageId, "is shorter than its reference says");
            }
            return decoder.apply(whole.flip());
        });
    }

    private static <T> T decodeBody(Transaction tx, ByteBuffer key, String tenant, String messageId,
                                    Function<ByteBuffer, T> decoder) {
        boolean[] present = {false};
        T decoded = tx.get(Database.OUTBOX_BODIES, key, body -> {
            present[0] = true;
            return decoder.apply(body);
        });
        if (!present[0]) {
            throw inconsistent(tenant, messageId, "is missing");
        }
        return decoded;
    }

    private static IllegalStateException inconsistent(String tenant, String messageId, String what) {
        return new IllegalStateException("The outbox is inconsistent: the record of message " + messageId
                + " of tenant " + tenant + " " + what + ".");
    }

    /**
     * What the tenant has waiting: counted from the moment a message is stored until every
     * recipient's receipt is recorded. (Stores made before this counter existed start it at zero.)
     */
    public TenantUsage usage(String tenant) {
        QueueKeys.checkTenant(tenant);
        return environment.read(tx -> UsageCounters.read(tx, usageKey(tenant)));
    }

    private static ByteBuffer usageKey(String tenant) {
        return UsageCounters.key(USAGE_PREFIX, tenant);
    }

    /** Once the last recipient's receipt is in, the message no longer counts towards its tenant's usage. */
    private static void releaseIfDone(Transaction tx, String tenant, String messageId) {
        OutboxEntry entry = read(tx, tenant, messageId).orElse(null);
        if (entry == null || !entry.fullyDelivered()) {
            return;
        }
        UsageInGroup usage = usageInGroup(tx, tenant, usageKey(tenant));
        usage.value = new TenantUsage(usage.value.documents() - 1, usage.value.bytes() - entry.envelope().length);
    }

    /** A tenant's usage as the writes of one group commit change it, stored once, just before the commit. */
    private static final class UsageInGroup {
        private final TenantUsage stored;
        private TenantUsage value;

        private UsageInGroup(TenantUsage stored) {
            this.stored = stored;
            this.value = stored;
        }
    }

    /**
     * The tenant's usage counter for a write: read and written once per group commit rather than by
     * each of its writes (two of an enqueue's seven LMDB calls, on the writer thread every write waits for).
     */
    private static UsageInGroup usageInGroup(Transaction tx, String tenant, ByteBuffer key) {
        return tx.shared("outbox-usage " + tenant, () -> {
            UsageInGroup usage = new UsageInGroup(UsageCounters.read(tx, key));
            tx.beforeCommit(() -> {
                if (!usage.value.equals(usage.stored)) {
                    UsageCounters.write(tx, key, usage.value);
                }
            });
            return usage;
        });
    }

    /** One recipient's delivery of the message, without copying the message's envelope once its state changed. */
    public Optional<Delivery> delivery(String tenant, String messageId, String recipient) {
        QueueKeys.checkTenant(tenant);
        QueueKeys.checkMessageId(messageId);
        QueueKeys.checkRecipient(recipient);
        return environment.read(tx -> Optional.ofNullable(state(tx, tenant, messageId, recipient)));
    }

    public Optional<OutboxEntry> get(String tenant, String messageId) {
        QueueKeys.checkTenant(tenant);
        QueueKeys.checkMessageId(messageId);
        return environment.read(tx -> read(tx, tenant, messageId));
    }

    /**
     * Takes a delivery that is due (at or before now), if any, for {@code leaseDuration}: the
     * earliest due of the next tenant in turn that has one. Tenants are served round robin, so a
     * tenant's backlog delays another tenant's delivery by at most one delivery per busy tenant.
     */
    public Optional<DeliveryLease> leaseNextDue(Instant now, Duration leaseDuration) {
        Objects.requireNonNull(now, "now");
        if (leaseDuration.isNegative() || leaseDuration.isZero()) {
            throw new IllegalArgumentException("A lease must last longer than zero.");
        }
        // An idle forwarder polls often: look first in a read transaction, which costs no fsync.
        Optional<Instant> earliest = nextDueAt();
        if (earliest.isEmpty() || earliest.get().isAfter(now)) {
            return Optional.empty();
        }
        Instant leasedUntil = now.plus(leaseDuration);
        return environment.write(tx -> {
            if (!tenantIndexChecked) {
                rebuildTenantIndexIfStale(tx);
                tenantIndexChecked = true;
            }
            for (;;) {
                QueueKeys.Due due = nextTenantsDue(tx, now);
                if (due == null) {
                    return Optional.empty();
                }
                lastServedTenant = due.tenant();
                ByteBuffer deliveryKey = QueueKeys.delivery(due.tenant(), due.messageId(), due.recipient());
                Delivery state = state(tx, due.tenant(), due.messageId(), due.recipient());
                deleteDue(tx, due);
                if (state == null || !state.status().active() || !due.at().equals(state.nextAttemptAt())) {
                    // An index entry that no delivery stands behind: drop it rather than lease it.
                    continue;
                }
                int attempt = state.attempts() + 1;
                tx.put(Database.OUTBOX_DELIVERIES, deliveryKey, encode(new Delivery(state.recipient(),
                        DeliveryStatus.IN_FLIGHT, attempt, leasedUntil, state.lastError(), null, null,
                        state.queuedSince(), null)));
                putDue(tx, new QueueKeys.Due(leasedUntil, due.tenant(), due.messageId(), due.recipient()));
                byte[] envelope = record(tx, due.tenant(), due.messageId(), Outbox::envelopeOf);
                return Optional.of(new DeliveryLease(due.tenant(), due.messageId(), due.recipient(), envelope,
                        attempt, leasedUntil, state.queuedSince()));
            }
        });
    }

    /**
     * Records the recipient's receipt; the delivery is done. A receipt already recorded is kept; a
     * receipt for a delivery given up meanwhile still counts (the recipient has the document).
     */
    public void delivered(DeliveryLease lease, byte[] receipt, Instant at) {
        Objects.requireNonNull(receipt, "receipt");
        Objects.requireNonNull(at, "at");
        ByteBuffer deliveryKey = QueueKeys.delivery(lease.tenant(), lease.messageId(), lease.recipient());
        environment.write(receipt.length + 256L, tx -> {
            Delivery state = state(tx, lease.tenant(), lease.messageId(), lease.recipient());
            if (state == null || state.status() == DeliveryStatus.DELIVERED) {
                return null;
            }
            if (state.status() == DeliveryStatus.FAILED) {
                tx.delete(Database.OUTBOX_DEAD, deliveryKey);
            } else {
                deleteDue(tx, due(lease, state.nextAttemptAt()));
            }
            tx.put(Database.OUTBOX_DELIVERIES, deliveryKey, encode(new Delivery(state.recipient(),
                    DeliveryStatus.DELIVERED, state.attempts(), null, state.lastError(), receipt, at,
                    state.queuedSince(), null)));
            releaseIfDone(tx, lease.tenant(), lease.messageId());
            return null;
        });
    }

    /** Records a failed attempt; the delivery is queued again for {@code nextAttemptAt}. Ignored for a stale lease. */
    public void retryLater(DeliveryLease lease, Instant nextAttemptAt, String reason) {
        Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
        String error = shorten(reason);
        ByteBuffer deliveryKey = QueueKeys.delivery(lease.tenant(), lease.messageId(), lease.recipient());
        environment.write(tx -> {
            Delivery state = currentUnder(tx, lease);
            if (state == null) {
                return null;
            }
            deleteDue(tx, due(lease, state.nextAttemptAt()));
            putDue(tx, due(lease, nextAttemptAt));
            tx.put(Database.OUTBOX_DELIVERIES, deliveryKey, encode(new Delivery(state.recipient(),
                    DeliveryStatus.PENDING, state.attempts(), nextAttemptAt, error, null, null,
                    state.queuedSince(), null)));
            return null;
        });
    }

    /**
     * Gives the delivery up (dead letter) with {@code reason}: it leaves the retry schedule and waits
     * for an operator's {@link #requeue}. Ignored for a stale lease.
     */
    public void deadLetter(DeliveryLease lease, String reason, Instant at) {
        Objects.requireNonNull(at, "at");
        String error = shorten(Objects.requireNonNull(reason, "reason"));
        ByteBuffer deliveryKey = QueueKeys.delivery(lease.tenant(), lease.messageId(), lease.recipient());
        environment.write(tx -> {
            Delivery state = currentUnder(tx, lease);
            if (state == null) {
                return null;
            }
            deleteDue(tx, due(lease, state.nextAttemptAt()));
            tx.put(Database.OUTBOX_DEAD, deliveryKey, NO_VALUE);
            tx.put(Database.OUTBOX_DELIVERIES, deliveryKey, encode(new Delivery(state.recipient(),
                    DeliveryStatus.FAILED, state.attempts(), null, error, null, null, state.queuedSince(), at)));
            return null;
        });
    }

    /** Dead-lettered deliveries of every tenant, in (tenant, message id, recipient) order, at most {@code limit}. */
    public List<DeadLetter> deadLetters(int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("The limit must be positive, not " + limit + ".");
        }
        return environment.read(tx -> {
            List<DeadLetter> letters = new ArrayList<>();
            tx.scan(Database.OUTBOX_DEAD, EMPTY_PREFIX, (key, value) -> {
                QueueKeys.DeliveryKey id = QueueKeys.DeliveryKey.decode(key);
                Delivery state = state(tx, id.tenant(), id.messageId(), id.recipient());
                if (state != null && state.status() == DeliveryStatus.FAILED) {
                    letters.add(new DeadLetter(id.tenant(), id.messageId(), id.recipient(), state.attempts(),
                            state.lastError(), state.failedAt()));
                }
                return letters.size() < limit;
            });
            return letters;
        });
    }

    /**
     * Puts a dead-lettered delivery back in the retry schedule, due at {@code now} with its attempts
     * counted afresh, and returns how many were requeued (0 if none was dead-lettered).
     * {@code recipient} null requeues every failed delivery of the message.
     */
    public int requeue(String tenant, String messageId, String recipient, Instant now) {
        QueueKeys.checkTenant(tenant);
        QueueKeys.checkMessageId(messageId);
        Objects.requireNonNull(now, "now");
        ByteBuffer prefix = recipient == null ? QueueKeys.message(tenant, messageId)
                : QueueKeys.delivery(tenant, messageId, QueueKeys.checkRecipient(recipient));
        return environment.write(tx -> requeueMatching(tx, prefix, now));
    }

    /** Requeues every dead-lettered delivery of every tenant; returns how many. */
    public int requeueAll(Instant now) {
        Objects.requireNonNull(now, "now");
        return environment.write(tx -> requeueMatching(tx, EMPTY_PREFIX, now));
    }

    private static int requeueMatching(Transaction tx, ByteBuffer prefix, Instant now) {
        List<byte[]> keys = new ArrayList<>();
        tx.scan(Database.OUTBOX_DEAD, prefix, (key, value) -> keys.add(Transaction.copy(key)));
        int requeued = 0;
        for (byte[] raw : keys) {
            ByteBuffer key = Transaction.direct(raw);
            QueueKeys.DeliveryKey id = QueueKeys.DeliveryKey.decode(key);
            tx.delete(Database.OUTBOX_DEAD, key);
            Delivery state = state(tx, id.tenant(), id.messageId(), id.recipient());
            if (state == null || state.status() != DeliveryStatus.FAILED) {
                continue;
            }
            tx.put(Database.OUTBOX_DELIVERIES, key, encode(new Delivery(state.recipient(), DeliveryStatus.PENDING,
                    0, now, state.lastError(), null, null, now, null)));
            putDue(tx, new QueueKeys.Due(now, id.tenant(), id.messageId(), id.recipient()));
            requeued++;
        }
        return requeued;
    }

    /** The earliest time any active delivery is due, if there is one (lets the forwarder sleep). */
    public Optional<Instant> nextDueAt() {
        return environment.read(tx -> {
            byte[] first = tx.firstKey(Database.OUTBOX_DUE);
            return first == null ? Optional.<Instant>empty()
                    : Optional.of(QueueKeys.Due.decode(ByteBuffer.wrap(first)).at());
        });
    }

    /** Active (queued or in flight) deliveries across all tenants. */
    public long pendingDeliveries() {
        return environment.read(tx -> tx.count(Database.OUTBOX_DUE));
    }

    /** Dead-lettered deliveries across all tenants. */
    public long deadLetterCount() {
        return environment.read(tx -> tx.count(Database.OUTBOX_DEAD));
    }

    /** Active deliveries per tenant and the earliest time one of them was queued, in one read (for metrics). */
    public QueueDepth depth() {
        return environment.read(tx -> {
            java.util.TreeMap<String, Long> byTenant = new java.util.TreeMap<>();
            Instant[] oldest = {null};
            tx.scan(Database.OUTBOX_DUE, EMPTY_PREFIX, (key, value) -> {
                QueueKeys.Due due = QueueKeys.Due.decode(key);
                byTenant.merge(due.tenant(), 1L, Long::sum);
                Delivery state = state(tx, due.tenant(), due.messageId(), due.recipient());
                if (state != null && state.queuedSince() != null
                        && (oldest[0] == null || state.queuedSince().isBefore(oldest[0]))) {
                    oldest[0] = state.queuedSince();
                }
                return true;
            });
            return new QueueDepth(byTenant, Optional.ofNullable(oldest[0]));
        });
    }

    /**
     * Checks the outbox's invariants and returns a sentence for each breach (empty when sound): every
     * message has a readable delivery per recipient; every active delivery exactly one due entry at
     * its due time; every failed one a dead-letter entry; no index entry without its delivery.
     */
    public List<String> checkIntegrity() {
        return environment.read(tx -> {
            List<String> problems = new ArrayList<>();
            java.util.Set<String> expectedDue = new java.util.HashSet<>();
            java.util.Set<String> expectedDead = new java.util.HashSet<>();
            tx.scan(Database.OUTBOX_MESSAGES, EMPTY_PREFIX, (key, value) -> {
                BinaryReader message = new BinaryReader(key);
                String tenant = message.text();
                String messageId = message.text();
                try {
                    for (Delivery d : read(tx, tenant, messageId).orElseThrow().deliveries()) {
                        String id = tenant + "/" + messageId + "/" + d.recipient();
                        if (d.status().active()) {
                            expectedDue.add(d.nextAttemptAt() + " " + id);
                        } else if (d.status() == DeliveryStatus.FAILED) {
                            expectedDead.add(id);
                        } else if (d.receipt() == null) {
                            problems.add("delivery " + id + " is delivered without a receipt");
                        }
                    }
                } catch (RuntimeException e) {
                    problems.add("message " + tenant + "/" + messageId + " cannot be read: " + e.getMessage());
                }
                return true;
            });
            java.util.Set<String> due = new java.util.HashSet<>();
            tx.scan(Database.OUTBOX_DUE, EMPTY_PREFIX, (key, value) -> {
                QueueKeys.Due d = QueueKeys.Due.decode(key);
                due.add(d.at() + " " + d.tenant() + "/" + d.messageId() + "/" + d.recipient());
                return true;
            });
            java.util.Set<String> dead = new java.util.HashSet<>();
            tx.scan(Database.OUTBOX_DEAD, EMPTY_PREFIX, (key, value) -> {
                QueueKeys.DeliveryKey d = QueueKeys.DeliveryKey.decode(key);
                dead.add(d.tenant() + "/" + d.messageId() + "/" + d.recipient());
                return true;
            });
            difference(expectedDue, due, "active delivery without its due entry: ", problems);
            difference(due, expectedDue, "due entry without an active delivery: ", problems);
            difference(expectedDead, dead, "failed delivery missing from the dead letters: ", problems);
            difference(dead, expectedDead, "dead letter without a failed delivery: ", problems);
            return problems;
        });
    }

    private static void difference(java.util.Set<String> a, java.util.Set<String> b, String what, List<String> out) {
        a.stream().filter(x -> !b.contains(x)).sorted().forEach(x -> out.add(what + x));
    }

    /** The delivery's state if {@code lease} is still the current lease on it, else null. */
    private static Delivery currentUnder(Transaction tx, DeliveryLease lease) {
        Delivery state = state(tx, lease.tenant(), lease.messageId(), lease.recipient());
        if (state == null || !state.status().active() || state.attempts() != lease.attempt()) {
            return null;
        }
        return state;
    }

    private static String shorten(String reason) {
        return reason == null || reason.length() <= MAX_ERROR_CHARS ? reason : reason.substring(0, MAX_ERROR_CHARS);
    }

    private static QueueKeys.Due due(DeliveryLease lease, Instant at) {
        return new QueueKeys.Due(at, lease.tenant(), lease.messageId(), lease.recipient());
    }

    /** Adds a due entry to both indexes: by time (what is due first) and by tenant (whose turn it is). */
    private static void putDue(Transaction tx, QueueKeys.Due due) {
        tx.put(Database.OUTBOX_DUE, due.encode(), NO_VALUE);
        tx.put(Database.OUTBOX_TENANT_DUE, QueueKeys.tenantDue(due), NO_VALUE);
    }

    /** A due entry's keys in both indexes, encoded by the caller rather than on the writer thread. */
    private record DueKeys(ByteBuffer byTime, ByteBuffer byTenant) {
        static DueKeys of(QueueKeys.Due due) {
            return new DueKeys(due.encode(), QueueKeys.tenantDue(due));
        }
    }

    private static void deleteDue(Transaction tx, QueueKeys.Due due) {
        tx.delete(Database.OUTBOX_DUE, due.encode());
        tx.delete(Database.OUTBOX_TENANT_DUE, QueueKeys.tenantDue(due));
    }

    /**
     * The earliest due entry (at or before now) of the first tenant after the one served last that
     * has one, wrapping around to the first tenant; null when no tenant has a delivery due. A tenant
     * with nothing due costs one seek, whatever its backlog.
     */
    private QueueKeys.Due nextTenantsDue(Transaction tx, Instant now) {
        String last = lastServedTenant;
        byte[] boundary = last == null ? null : QueueKeys.afterTenant(last);
        // First the tenants after the one served last, then from the first up to that one.
        QueueKeys.Due due = firstDueBetween(tx, boundary, null, now);
        if (due == null && boundary != null) {
            due = firstDueBetween(tx, null, boundary, now);
        }
        return due;
    }

    /** The first tenant's earliest due entry, among tenants whose keys lie in [from, to) (null: open end). */
    private static QueueKeys.Due firstDueBetween(Transaction tx, byte[] from, byte[] to, Instant now) {
        byte[] seek = from;
        for (;;) {
            byte[][] found = {null};
            java.util.function.BiPredicate<ByteBuffer, ByteBuffer> first = (key, value) -> {
                found[0] = Transaction.copy(key);
                return false;
            };
            if (seek == null) {
                tx.scan(Database.OUTBOX_TENANT_DUE, EMPTY_PREFIX, first);
            } else {
                tx.scanFrom(Database.OUTBOX_TENANT_DUE, Transaction.direct(seek), first);
            }
            if (found[0] == null || (to != null && java.util.Arrays.compareUnsigned(found[0], to) >= 0)) {
                return null;
            }
            QueueKeys.Due due = QueueKeys.decodeTenantDue(ByteBuffer.wrap(found[0]));
            if (!due.at().isAfter(now)) {
                return due;
            }
            seek = QueueKeys.afterTenant(due.tenant());
            if (seek == null) {
                return null;
            }
        }
    }

    /** Fills the per-tenant due index from the time-ordered one, for a store written before it existed. */
    private static void rebuildTenantIndexIfStale(Transaction tx) {
        if (tx.count(Database.OUTBOX_TENANT_DUE) == tx.count(Database.OUTBOX_DUE)) {
            return;
        }
        List<byte[]> tenantKeys = new ArrayList<>();
        tx.scan(Database.OUTBOX_TENANT_DUE, EMPTY_PREFIX, (key, value) -> tenantKeys.add(Transaction.copy(key)));
        tenantKeys.forEach(k -> tx.delete(Database.OUTBOX_TENANT_DUE, Transaction.direct(k)));
        List<QueueKeys.Due> due = new ArrayList<>();
        tx.scan(Database.OUTBOX_DUE, EMPTY_PREFIX, (key, value) -> due.add(QueueKeys.Due.decode(key)));
        due.forEach(d -> tx.put(Database.OUTBOX_TENANT_DUE, QueueKeys.tenantDue(d), NO_VALUE));
    }

    private static Optional<OutboxEntry> read(Transaction tx, String tenant, String messageId) {
        byte[] record = record(tx, tenant, messageId, Transaction::copy);
        if (record == null) {
            return Optional.empty();
        }
        BinaryReader reader = new BinaryReader(record).expectVersion(RECORD_VERSION);
        Instant acceptedAt = reader.instant();
        int count = reader.i32();
        List<Delivery> deliveries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String recipient = reader.text();
            Delivery stored = tx.get(Database.OUTBOX_DELIVERIES, QueueKeys.delivery(tenant, messageId, recipient),
                    v -> decode(recipient, v));
            deliveries.add(stored != null ? stored : initial(recipient, acceptedAt));
        }
        return Optional.of(new OutboxEntry(tenant, messageId, reader.bytes(), acceptedAt, deliveries));
    }

    /**
     * The delivery's state: as stored once it changed, else the initial state its message record
     * implies; null when the message is not stored or does not go to {@code recipient}.
     */
    private static Delivery state(Transaction tx, String tenant, String messageId, String recipient) {
        Delivery stored = tx.get(Database.OUTBOX_DELIVERIES, QueueKeys.delivery(tenant, messageId, recipient),
                v -> decode(recipient, v));
        if (stored != null) {
            return stored;
        }
        return record(tx, tenant, messageId, record -> {
            BinaryReader reader = new BinaryReader(record).expectVersion(RECORD_VERSION);
            Instant acceptedAt = reader.instant();
            int count = reader.i32();
            for (int i = 0; i < count; i++) {
                if (reader.text().equals(recipient)) {
                    return initial(recipient, acceptedAt);
                }
            }
            return null;
        });
    }

    /** The recipients, each checked, in their order without repeats. */
    private static List<String> distinct(List<String> recipients) {
        if (recipients.size() == 1) {
            return List.of(QueueKeys.checkRecipient(recipients.getFirst()));
        }
        Set<String> distinct = new LinkedHashSet<>();
        for (String recipient : recipients) {
            distinct.add(QueueKeys.checkRecipient(recipient));
        }
        return List.copyOf(distinct);
    }

    private static Delivery initial(String recipient, Instant acceptedAt) {
        return new Delivery(recipient, DeliveryStatus.PENDING, 0, acceptedAt, null, null, null, acceptedAt, null);
    }

    private static byte[] envelopeOf(ByteBuffer messageRecord) {
        BinaryReader reader = new BinaryReader(messageRecord).expectVersion(RECORD_VERSION);
        reader.instant();
        int count = reader.i32();
        for (int i = 0; i < count; i++) {
            reader.text();
        }
        return reader.bytes();
    }

    private static byte[] encode(Delivery delivery) {
        int receiptLength = delivery.receipt() == null ? 0 : delivery.receipt().length;
        int code = switch (delivery.status()) {
            case PENDING -> PENDING_CODE;
            case DELIVERED -> DELIVERED_CODE;
            case IN_FLIGHT -> IN_FLIGHT_CODE;
            case FAILED -> FAILED_CODE;
        };
        return new BinaryWriter(96 + receiptLength).u8(RECORD_VERSION)
                .u8(code)
                .i32(delivery.attempts())
                .nullableInstant(delivery.nextAttemptAt())
                .nullableText(delivery.lastError())
                .nullableBytes(delivery.receipt())
                .nullableInstant(delivery.deliveredAt())
                // Added after the first release: absent from older records (read as null).
                .nullableInstant(delivery.queuedSince())
                .nullableInstant(delivery.failedAt())
                .toByteArray();
    }

    private static Delivery decode(String recipient, ByteBuffer value) {
        BinaryReader reader = new BinaryReader(value).expectVersion(RECORD_VERSION);
        DeliveryStatus status = switch (reader.u8()) {
            case PENDING_CODE -> DeliveryStatus.PENDING;
            case DELIVERED_CODE -> DeliveryStatus.DELIVERED;
            case IN_FLIGHT_CODE -> DeliveryStatus.IN_FLIGHT;
            case FAILED_CODE -> DeliveryStatus.FAILED;
            default -> throw new IllegalStateException("A stored delivery has an unknown status.");
        };
        int attempts = reader.i32();
        Instant nextAttemptAt = reader.nullableInstant();
        String lastError = reader.nullableText();
        byte[] receipt = reader.nullableBytes();
        Instant deliveredAt = reader.nullableInstant();
        Instant queuedSince = reader.remaining() > 0 ? reader.nullableInstant() : null;
        Instant failedAt = reader.remaining() > 0 ? reader.nullableInstant() : null;
        return new Delivery(recipient, status, attempts, nextAttemptAt, lastError, receipt, deliveredAt,
                queuedSince, failedAt);
    }
}
