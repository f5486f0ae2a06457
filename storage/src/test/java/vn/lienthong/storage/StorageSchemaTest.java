package vn.lienthong.storage;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmdbjava.Dbi;
import org.lmdbjava.Env;
import org.lmdbjava.Txn;
import vn.lienthong.storage.queue.DeliveryLease;
import vn.lienthong.storage.queue.DeliveryStatus;
import vn.lienthong.storage.queue.OutboxMessage;

/** The schema marker: older stores are upgraded in place, stores this version cannot read are refused. */
class StorageSchemaTest {

    private static final long MAP_SIZE = 16L * 1024 * 1024;
    private static final Instant T0 = Instant.parse("2026-03-12T08:00:00Z");

    @TempDir
    Path directory;

    @Test
    void aVersionOneStoreIsUpgradedInPlaceAndKeepsItsMessagesAndTheirStates() {
        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            storage.outbox().put(new OutboxMessage("t1", "m1", List.of("G01", "G02"), "env".getBytes(UTF_8), T0));
            // A changed state is stored, as version 1 stored every state.
            DeliveryLease lease = storage.outbox().leaseNextDue(T0, Duration.ofSeconds(30)).orElseThrow();
            storage.outbox().retryLater(lease, T0.plusSeconds(60), "refused");
        }
        assertEquals(2, schema());
        setSchema(1);

        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            var deliveries = storage.outbox().get("t1", "m1").orElseThrow().deliveries();
            assertEquals(List.of(DeliveryStatus.PENDING, DeliveryStatus.PENDING),
                    deliveries.stream().map(d -> d.status()).toList());
            assertEquals(1, deliveries.stream().mapToInt(d -> d.attempts()).sum());
            assertEquals(List.of(), storage.checkIntegrity());
        }
        assertEquals(2, schema());
    }

    @Test
    void aStoreWrittenByANewerLienthongIsRefusedWithASentenceAndLeftAlone() {
        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            storage.registry().put("k", "v", new byte[] {1});
        }
        setSchema(3);
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> Storage.open(directory, MAP_SIZE));
        assertTrue(refused.getMessage().contains("written by a newer lienthong (schema version 3"),
                refused.getMessage());
        assertEquals(3, schema());

        setSchema(0);
        refused = assertThrows(IllegalStateException.class, () -> Storage.open(directory, MAP_SIZE));
        assertTrue(refused.getMessage().contains("schema version 0, which no lienthong wrote"), refused.getMessage());
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
