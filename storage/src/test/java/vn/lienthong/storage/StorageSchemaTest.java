package vn.lienthong.storage;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmdbjava.Dbi;
import org.lmdbjava.Env;
import org.lmdbjava.Txn;
import vn.lienthong.storage.lmdb.BinaryWriter;
import vn.lienthong.storage.lmdb.Transaction;
import vn.lienthong.storage.queue.DeliveryLease;
import vn.lienthong.storage.queue.DeliveryStatus;
import vn.lienthong.storage.queue.InboxEntry;
import vn.lienthong.storage.queue.InboxMessage;
import vn.lienthong.storage.queue.InboxSummary;
import vn.lienthong.storage.queue.OutboxMessage;
import vn.lienthong.storage.queue.PutResult;
import vn.lienthong.storage.queue.TenantUsage;

/** The schema marker: older stores are upgraded in place, stores this version cannot read are refused. */
class StorageSchemaTest {

    private static final long MAP_SIZE = 16L * 1024 * 1024;
    private static final Instant T0 = Instant.parse("2026-03-12T08:00:00Z");

    @TempDir
    Path directory;

    @Test
    void aVersionOneStoreIsUpgradedInPlaceAndItsMessagesAreReadLeasedAndDelivered() {
        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            storage.registry().put("k", "v", new byte[] {1});
        }
        writeVersionOneMessage("t1", "old", "G01", "old envelope".getBytes(UTF_8));
        setSchema(1);

        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            var old = storage.outbox().get("t1", "old").orElseThrow();
            assertArrayEquals("old envelope".getBytes(UTF_8), old.envelope());
            assertEquals(T0, old.acceptedAt());
            assertEquals(DeliveryStatus.PENDING, old.deliveries().getFirst().status());
            assertEquals(List.of(), storage.checkIntegrity());

            // New messages are written the new way, next to the old one.
            storage.outbox().put(new OutboxMessage("t1", "new", List.of("G01"), "new envelope".getBytes(UTF_8),
                    T0.plusSeconds(1)));
            assertInstanceOf(PutResult.Duplicate.class, storage.outbox().put(
                    new OutboxMessage("t1", "old", List.of("G01"), "again".getBytes(UTF_8), T0.plusSeconds(2))));
            DeliveryLease first = storage.outbox().leaseNextDue(T0.plusSeconds(5), Duration.ofSeconds(30)).orElseThrow();
            assertEquals("old", first.messageId());
            assertArrayEquals("old envelope".getBytes(UTF_8), first.envelope());
            storage.outbox().delivered(first, "receipt".getBytes(UTF_8), T0.plusSeconds(6));
            assertEquals(DeliveryStatus.DELIVERED,
                    storage.outbox().get("t1", "old").orElseThrow().deliveries().getFirst().status());
            assertArrayEquals("new envelope".getBytes(UTF_8),
                    storage.outbox().leaseNextDue(T0.plusSeconds(5), Duration.ofSeconds(30)).orElseThrow().envelope());
            assertEquals(List.of(), storage.checkIntegrity());
        }
        assertEquals(4, schema());
    }

    @Test
    void aVersionTwoStoreKeepsItsWholeRecordsReadableNextToNewChunkedOnes() {
        byte[] oldEnvelope = "old envelope, appended whole".getBytes(UTF_8);
        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            storage.registry().put("k", "v", new byte[] {1});
        }
        writeVersionTwoMessage("t1", "old", "G01", oldEnvelope, 41);
        setSchema(2);

        byte[] newEnvelope = new byte[5000]; // more than one chunk
        new java.util.Random(7).nextBytes(newEnvelope);
        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            assertArrayEquals(oldEnvelope, storage.outbox().get("t1", "old").orElseThrow().envelope());
            storage.outbox().put(new OutboxMessage("t1", "new", List.of("G01"), newEnvelope, T0.plusSeconds(1)));
            assertArrayEquals(oldEnvelope, storage.outbox().leaseNextDue(T0.plusSeconds(5), Duration.ofSeconds(30))
                    .orElseThrow().envelope());
            assertArrayEquals(newEnvelope, storage.outbox().leaseNextDue(T0.plusSeconds(5), Duration.ofSeconds(30))
                    .orElseThrow().envelope());
            assertEquals(List.of(), storage.checkIntegrity());
        }
        assertEquals(4, schema());
        try (Env<ByteBuffer> env = rawEnv()) {
            Dbi<ByteBuffer> bodies = env.openDbi("outbox-bodies");
            try (Txn<ByteBuffer> txn = env.txnRead(); var cursor = bodies.openCursor(txn)) {
                assertTrue(cursor.last());
                assertEquals(12, cursor.key().remaining(), "new records are kept under (sequence, chunk)");
                assertEquals(42, cursor.key().getLong(cursor.key().position()), "after the old record's sequence");
            }
        }
    }

    @Test
    void aStoreWrittenByANewerLienthongIsRefusedWithASentenceAndLeftAlone() {
        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            storage.registry().put("k", "v", new byte[] {1});
        }
        setSchema(5);
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> Storage.open(directory, MAP_SIZE));
        assertTrue(refused.getMessage().contains("written by a newer lienthong (schema version 5"),
                refused.getMessage());
        assertEquals(5, schema());

        setSchema(0);
        refused = assertThrows(IllegalStateException.class, () -> Storage.open(directory, MAP_SIZE));
        assertTrue(refused.getMessage().contains("schema version 0, which no lienthong wrote"), refused.getMessage());
    }

    @Test
    void aVersionThreeInboxGetsItsIndexSenderKeysAndUsageOnceAtOpen() {
        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            storage.registry().put("k", "v", new byte[] {1});
        }
        byte[] envelope = "old envelope".getBytes(UTF_8);
        writeVersionThreeInbox("t1", envelope);
        setSchema(3);

        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            var inbox = storage.inbox();
            assertEquals(List.of(), storage.checkIntegrity());
            var pending = inbox.pending("t1", 10);
            assertEquals(List.of("unread"), pending.stream().map(InboxSummary::id).toList());
            assertEquals(envelope.length, pending.getFirst().size());
            assertEquals("G01", pending.getFirst().sender());
            assertEquals(List.of(), inbox.visible("t1", 10, T0), "its fetch lease is kept");
            assertEquals(T0.plusSeconds(5), inbox.get("t1", "read").orElseThrow().acknowledgedAt());
            assertArrayEquals("receipt".getBytes(UTF_8), inbox.get("t1", "unread").orElseThrow().receipt());
            assertEquals(new TenantUsage(1, envelope.length), inbox.usage("t1"));

            // Described once for listings by whoever reads envelopes (the appliance), then never again.
            assertEquals(1, inbox.describe(e -> new InboxSummary.Description("text/plain", "edoc", T0)));
            assertEquals("text/plain", inbox.pending("t1", 10).getFirst().contentType());
            assertEquals(0, inbox.describe(e -> {
                throw new AssertionError("described twice");
            }));

            assertInstanceOf(PutResult.Duplicate.class, inbox.put(new InboxMessage("t1", "unread", "G01", envelope,
                    new byte[1], T0)));
            var other = inbox.put(new InboxMessage("t1", "unread", "G02", envelope, new byte[1], T0));
            assertEquals("unread~G02", ((InboxEntry) assertInstanceOf(PutResult.Accepted.class, other).entry()).id());
            assertTrue(inbox.acknowledge("t1", "unread", T0.plusSeconds(9)));
            assertEquals(new TenantUsage(1, envelope.length), inbox.usage("t1"));
            assertEquals(List.of(), storage.checkIntegrity());
        }
        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            assertEquals(List.of("unread~G02"), storage.inbox().pending("t1", 10).stream().map(InboxSummary::id).toList(),
                    "upgraded once: a second open changes nothing");
            assertEquals(List.of(), storage.checkIntegrity());
        }
        assertEquals(4, schema());
    }

    /**
     * A tenant's inbox as schema 3 and before wrote it, byte for byte: whole records under (tenant,
     * message id), one acknowledged, one unacknowledged and fetched, and the arrival sequence.
     */
    private void writeVersionThreeInbox(String tenant, byte[] envelope) {
        try (Env<ByteBuffer> env = rawEnv()) {
            Map<String, Dbi<ByteBuffer>> dbs = new HashMap<>();
            for (String name : List.of("inbox-messages", "inbox-pending", "inbox-leases", "meta")) {
                dbs.put(name, env.openDbi(name));
            }
            try (Txn<ByteBuffer> txn = env.txnWrite()) {
                put(dbs.get("inbox-messages"), txn, new BinaryWriter().text(tenant).text("read"),
                        new BinaryWriter().u8(1).i64(1).nullableText("G01").instant(T0).nullableInstant(T0.plusSeconds(5))
                                .nullableBytes("receipt".getBytes(UTF_8)).bytes(envelope));
                put(dbs.get("inbox-messages"), txn, new BinaryWriter().text(tenant).text("unread"),
                        new BinaryWriter().u8(1).i64(2).nullableText("G01").instant(T0).nullableInstant(null)
                                .nullableBytes("receipt".getBytes(UTF_8)).bytes(envelope));
                put(dbs.get("inbox-pending"), txn, new BinaryWriter().text(tenant).i64(2),
                        new BinaryWriter().raw("unread".getBytes(UTF_8)));
                put(dbs.get("inbox-leases"), txn, new BinaryWriter().text(tenant).i64(2),
                        new BinaryWriter().instant(T0.plusSeconds(30)));
                put(dbs.get("meta"), txn, new BinaryWriter().raw("inbox-sequence".getBytes(US_ASCII)),
                        new BinaryWriter().i64(2));
                txn.commit();
            }
        }
    }

    /**
     * An outgoing message as schema 1 wrote it, byte for byte: the record under the message id, the
     * delivery's initial state stored, both due entries and the tenant's usage.
     */
    private void writeVersionOneMessage(String tenant, String id, String recipient, byte[] envelope) {
        try (Env<ByteBuffer> env = rawEnv()) {
            Map<String, Dbi<ByteBuffer>> dbs = openDbs(env, "outbox-messages", "outbox-deliveries");
            try (Txn<ByteBuffer> txn = env.txnWrite()) {
                put(dbs.get("outbox-messages"), txn, new BinaryWriter().text(tenant).text(id),
                        new BinaryWriter().u8(1).instant(T0).i32(1).text(recipient).bytes(envelope));
                put(dbs.get("outbox-deliveries"), txn, new BinaryWriter().text(tenant).text(id).text(recipient),
                        new BinaryWriter().u8(1).u8(0).i32(0).nullableInstant(T0).nullableText(null)
                                .nullableBytes(null).nullableInstant(null).nullableInstant(T0).nullableInstant(null));
                putDueAndUsage(dbs, txn, tenant, id, recipient, envelope.length);
                txn.commit();
            }
        }
    }

    /**
     * An outgoing message as schema 2 wrote it: the record appended whole under its 8-byte sequence,
     * the message id referring to it, both due entries and the tenant's usage (no delivery state).
     */
    private void writeVersionTwoMessage(String tenant, String id, String recipient, byte[] envelope, long sequence) {
        try (Env<ByteBuffer> env = rawEnv()) {
            Map<String, Dbi<ByteBuffer>> dbs = openDbs(env, "outbox-messages", "outbox-bodies");
            try (Txn<ByteBuffer> txn = env.txnWrite()) {
                put(dbs.get("outbox-bodies"), txn, new BinaryWriter().i64(sequence),
                        new BinaryWriter().u8(1).instant(T0).i32(1).text(recipient).bytes(envelope));
                put(dbs.get("outbox-messages"), txn, new BinaryWriter().text(tenant).text(id),
                        new BinaryWriter().u8(2).i64(sequence));
                putDueAndUsage(dbs, txn, tenant, id, recipient, envelope.length);
                txn.commit();
            }
        }
    }

    /** {@code names} and the databases every schema writes a new message to: both due indexes and meta. */
    private static Map<String, Dbi<ByteBuffer>> openDbs(Env<ByteBuffer> env, String... names) {
        Map<String, Dbi<ByteBuffer>> dbs = new HashMap<>();
        for (String name : List.of(names)) {
            dbs.put(name, env.openDbi(name));
        }
        for (String name : List.of("outbox-due", "outbox-tenant-due", "meta")) {
            dbs.put(name, env.openDbi(name));
        }
        return dbs;
    }

    /** A new message's entries in both due indexes (due at T0) and its tenant's usage: alike in schemas 1 to 3. */
    private static void putDueAndUsage(Map<String, Dbi<ByteBuffer>> dbs, Txn<ByteBuffer> txn, String tenant, String id,
                                       String recipient, int envelopeBytes) {
        put(dbs.get("outbox-due"), txn, new BinaryWriter().instant(T0).text(tenant).text(id).text(recipient),
                new BinaryWriter());
        put(dbs.get("outbox-tenant-due"), txn,
                new BinaryWriter().text(tenant).instant(T0).text(id).text(recipient), new BinaryWriter());
        put(dbs.get("meta"), txn, new BinaryWriter().raw("outbox-usage".getBytes(US_ASCII)).text(tenant),
                new BinaryWriter().i64(1).i64(envelopeBytes));
    }

    private static void put(Dbi<ByteBuffer> db, Txn<ByteBuffer> txn, BinaryWriter key, BinaryWriter value) {
        db.put(txn, Transaction.direct(key.toByteArray()), Transaction.direct(value.toByteArray()));
    }

    private int schema() {
        try (Env<ByteBuffer> env = rawEnv()) {
            Dbi<ByteBuffer> meta = meta(env);
            try (Txn<ByteBuffer> txn = env.txnRead()) {
                ByteBuffer value = meta.get(txn, schemaKey());
                return value.getInt(value.position());
            }
        }
    }

    private void setSchema(int version) {
        try (Env<ByteBuffer> env = rawEnv()) {
            Dbi<ByteBuffer> meta = meta(env);
            try (Txn<ByteBuffer> txn = env.txnWrite()) {
                ByteBuffer value = ByteBuffer.allocateDirect(4).putInt(version).flip();
                meta.put(txn, schemaKey(), value);
                txn.commit();
            }
        }
    }

    private Env<ByteBuffer> rawEnv() {
        return Env.create().setMapSize(MAP_SIZE).setMaxDbs(32).open(directory.toFile());
    }

    private static Dbi<ByteBuffer> meta(Env<ByteBuffer> env) {
        return env.openDbi("meta");
    }

    private static ByteBuffer schemaKey() {
        byte[] key = "schema".getBytes(US_ASCII);
        return ByteBuffer.allocateDirect(key.length).put(key).flip();
    }
}
