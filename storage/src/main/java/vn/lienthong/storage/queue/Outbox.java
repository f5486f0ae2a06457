package vn.lienthong.storage.queue;

import java.nio.ByteBuffer;
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
 * Outgoing messages per tenant, with per-recipient delivery state, leases and retries.
 *
 * <p>Every pending delivery has exactly one entry in a due index ordered by its next attempt time;
 * a lease moves that time to the lease's end, so a forwarder that dies leaves the delivery due
 * again. A lease is current while no later lease of the same delivery was taken: a retry reported
 * under an older lease is ignored, but a receipt is recorded whichever attempt brought it.
 */
public final class Outbox {

    private static final int RECORD_VERSION = 1;
    /** Keeps a peer's long error text from bloating every delivery record. */
    private static final int MAX_ERROR_CHARS = 2000;
    private static final byte[] NO_VALUE = new byte[0];
    /** Stored status codes, fixed apart from the enum's order. */
    private static final int PENDING_CODE = 0;
    private static final int DELIVERED_CODE = 1;

    private final LmdbEnvironment environment;

    /** Made by {@code Storage}; use {@code Storage.outbox()}. */
    public Outbox(LmdbEnvironment environment) {
        this.environment = Objects.requireNonNull(environment);
    }

    /** Stores the message durably, every recipient pending and due now; a known (tenant, id) is a Duplicate. */
    public PutResult<OutboxEntry> put(OutboxMessage message) {
        String tenant = QueueKeys.checkTenant(message.tenant());
        String messageId = QueueKeys.checkMessageId(message.messageId());
        byte[] envelope = Objects.requireNonNull(message.envelope(), "envelope");
        Instant acceptedAt = Objects.requireNonNull(message.acceptedAt(), "acceptedAt");
        List<String> recipients = message.recipients().stream().map(QueueKeys::checkRecipient).distinct().toList();
        if (recipients.isEmpty()) {
            throw new IllegalArgumentException("An outgoing message needs at least one recipient.");
        }

        // Encode before entering the writer thread, which serves everyone.
        ByteBuffer messageKey = QueueKeys.message(tenant, messageId);
        BinaryWriter record = new BinaryWriter(envelope.length + 64).u8(RECORD_VERSION).instant(acceptedAt)
                .i32(recipients.size());
        recipients.forEach(record::text);
        byte[] messageRecord = record.bytes(envelope).toByteArray();
        List<Delivery> deliveries = recipients.stream()
                .map(r -> new Delivery(r, DeliveryStatus.PENDING, 0, acceptedAt, null, null, null))
                .toList();
        byte[] firstState = encode(deliveries.getFirst());
        List<ByteBuffer> deliveryKeys = recipients.stream().map(r -> QueueKeys.delivery(tenant, messageId, r)).toList();
        List<ByteBuffer> dueKeys = recipients.stream().map(r -> QueueKeys.due(acceptedAt, tenant, messageId, r)).toList();

        return environment.write(messageRecord.length + 128L * recipients.size(), tx -> {
            if (tx.exists(Database.OUTBOX_MESSAGES, messageKey)) {
                return new PutResult.Duplicate<>(read(tx, tenant, messageId).orElseThrow());
            }
            tx.put(Database.OUTBOX_MESSAGES, messageKey, messageRecord);
            for (int i = 0; i < recipients.size(); i++) {
                tx.put(Database.OUTBOX_DELIVERIES, deliveryKeys.get(i), firstState);
                tx.put(Database.OUTBOX_DUE, dueKeys.get(i), NO_VALUE);
            }
            return new PutResult.Accepted<>(new OutboxEntry(tenant, messageId, envelope, acceptedAt, deliveries));
        });
    }

    public Optional<OutboxEntry> get(String tenant, String messageId) {
        QueueKeys.checkTenant(tenant);
        QueueKeys.checkMessageId(messageId);
        return environment.read(tx -> read(tx, tenant, messageId));
    }

    /** Takes the pending delivery due earliest (at or before now), if any, for {@code leaseDuration}. */
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
            for (;;) {
                byte[] first = tx.firstKey(Database.OUTBOX_DUE);
                if (first == null) {
                    return Optional.empty();
                }
                ByteBuffer dueKey = Transaction.direct(first);
                QueueKeys.Due due = QueueKeys.Due.decode(dueKey);
                if (due.at().isAfter(now)) {
                    return Optional.empty();
                }
                ByteBuffer deliveryKey = QueueKeys.delivery(due.tenant(), due.messageId(), due.recipient());
                Delivery state = tx.get(Database.OUTBOX_DELIVERIES, deliveryKey, v -> decode(due.recipient(), v));
                tx.delete(Database.OUTBOX_DUE, dueKey);
                if (state == null || state.status() != DeliveryStatus.PENDING || !due.at().equals(state.nextAttemptAt())) {
                    // An index entry that no delivery stands behind: drop it rather than lease it.
                    continue;
                }
                int attempt = state.attempts() + 1;
                tx.put(Database.OUTBOX_DELIVERIES, deliveryKey, encode(new Delivery(state.recipient(),
                        DeliveryStatus.PENDING, attempt, leasedUntil, state.lastError(), null, null)));
                tx.put(Database.OUTBOX_DUE,
                        QueueKeys.due(leasedUntil, due.tenant(), due.messageId(), due.recipient()), NO_VALUE);
                byte[] envelope = tx.get(Database.OUTBOX_MESSAGES, QueueKeys.message(due.tenant(), due.messageId()),
                        Outbox::envelopeOf);
                return Optional.of(new DeliveryLease(due.tenant(), due.messageId(), due.recipient(), envelope,
                        attempt, leasedUntil));
            }
        });
    }

    /** Records the recipient's receipt; the delivery is done. A receipt already recorded is kept. */
    public void delivered(DeliveryLease lease, byte[] receipt, Instant at) {
        Objects.requireNonNull(receipt, "receipt");
        Objects.requireNonNull(at, "at");
        ByteBuffer deliveryKey = QueueKeys.delivery(lease.tenant(), lease.messageId(), lease.recipient());
        environment.write(receipt.length + 256L, tx -> {
            Delivery state = tx.get(Database.OUTBOX_DELIVERIES, deliveryKey, v -> decode(lease.recipient(), v));
            if (state == null || state.status() == DeliveryStatus.DELIVERED) {
                return null;
            }
            tx.delete(Database.OUTBOX_DUE, dueKey(lease, state.nextAttemptAt()));
            tx.put(Database.OUTBOX_DELIVERIES, deliveryKey, encode(new Delivery(state.recipient(),
                    DeliveryStatus.DELIVERED, state.attempts(), null, state.lastError(), receipt, at)));
            return null;
        });
    }

    /** Records a failed attempt; the delivery becomes due again at {@code nextAttemptAt}. Ignored for a stale lease. */
    public void retryLater(DeliveryLease lease, Instant nextAttemptAt, String reason) {
        Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
        String error = reason == null || reason.length() <= MAX_ERROR_CHARS ? reason : reason.substring(0, MAX_ERROR_CHARS);
        ByteBuffer deliveryKey = QueueKeys.delivery(lease.tenant(), lease.messageId(), lease.recipient());
        environment.write(tx -> {
            Delivery state = tx.get(Database.OUTBOX_DELIVERIES, deliveryKey, v -> decode(lease.recipient(), v));
            if (state == null || state.status() != DeliveryStatus.PENDING || state.attempts() != lease.attempt()) {
                return null;
            }
            tx.delete(Database.OUTBOX_DUE, dueKey(lease, state.nextAttemptAt()));
            tx.put(Database.OUTBOX_DUE, dueKey(lease, nextAttemptAt), NO_VALUE);
            tx.put(Database.OUTBOX_DELIVERIES, deliveryKey, encode(new Delivery(state.recipient(),
                    DeliveryStatus.PENDING, state.attempts(), nextAttemptAt, error, null, null)));
            return null;
        });
    }

    /** The earliest time any pending delivery is due, if there is one (lets the forwarder sleep). */
    public Optional<Instant> nextDueAt() {
        return environment.read(tx -> {
            byte[] first = tx.firstKey(Database.OUTBOX_DUE);
            return first == null ? Optional.<Instant>empty()
                    : Optional.of(QueueKeys.Due.decode(ByteBuffer.wrap(first)).at());
        });
    }

    /** Pending deliveries across all tenants. */
    public long pendingDeliveries() {
        return environment.read(tx -> tx.count(Database.OUTBOX_DUE));
    }

    private static ByteBuffer dueKey(DeliveryLease lease, Instant at) {
        return QueueKeys.due(at, lease.tenant(), lease.messageId(), lease.recipient());
    }

    private static Optional<OutboxEntry> read(Transaction tx, String tenant, String messageId) {
        byte[] record = tx.get(Database.OUTBOX_MESSAGES, QueueKeys.message(tenant, messageId));
        if (record == null) {
            return Optional.empty();
        }
        BinaryReader reader = new BinaryReader(record).expectVersion(RECORD_VERSION);
        Instant acceptedAt = reader.instant();
        int count = reader.i32();
        List<Delivery> deliveries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String recipient = reader.text();
            Delivery state = tx.get(Database.OUTBOX_DELIVERIES, QueueKeys.delivery(tenant, messageId, recipient),
                    v -> decode(recipient, v));
            if (state == null) {
                throw new IllegalStateException("The outbox is inconsistent: message " + messageId + " of tenant "
                        + tenant + " has no delivery state for " + recipient + ".");
            }
            deliveries.add(state);
        }
        return Optional.of(new OutboxEntry(tenant, messageId, reader.bytes(), acceptedAt, deliveries));
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
        return new BinaryWriter(64 + receiptLength).u8(RECORD_VERSION)
                .u8(delivery.status() == DeliveryStatus.DELIVERED ? DELIVERED_CODE : PENDING_CODE)
                .i32(delivery.attempts())
                .nullableInstant(delivery.nextAttemptAt())
                .nullableText(delivery.lastError())
                .nullableBytes(delivery.receipt())
                .nullableInstant(delivery.deliveredAt())
                .toByteArray();
    }

    private static Delivery decode(String recipient, ByteBuffer value) {
        BinaryReader reader = new BinaryReader(value).expectVersion(RECORD_VERSION);
        DeliveryStatus status = switch (reader.u8()) {
            case PENDING_CODE -> DeliveryStatus.PENDING;
            case DELIVERED_CODE -> DeliveryStatus.DELIVERED;
            default -> throw new IllegalStateException("A stored delivery has an unknown status.");
        };
        return new Delivery(recipient, status, reader.i32(), reader.nullableInstant(),
                reader.nullableText(), reader.nullableBytes(), reader.nullableInstant());
    }
}
