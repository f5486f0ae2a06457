package vn.lienthong.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.storage.audit.AuditEvent;
import vn.lienthong.storage.queue.OutboxMessage;

class StorageBackupTest {

    private static final long MAP_SIZE = 64L * 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void aBackupTakenWhileWritesGoOnIsACompactConsistentStoreThatRestores() throws Exception {
        Path live = dir.resolve("live");
        Path backup = dir.resolve("backup");
        int before;
        try (Storage storage = Storage.open(live, MAP_SIZE)) {
            for (int i = 0; i < 200; i++) {
                put(storage, "before-" + i);
            }
            storage.audit().append(new AuditEvent(Instant.now(), "operator", "storage backup", backup.toString()));
            before = 200;
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicInteger during = new AtomicInteger();
            Thread writer = Thread.ofPlatform().start(() -> {
                while (writing.get()) {
                    put(storage, "during-" + during.getAndIncrement());
                }
            });
            storage.backup(backup);
            writing.set(false);
            writer.join();
            assertTrue(during.get() > 0);
            assertThrows(IllegalArgumentException.class, () -> storage.backup(backup), "never over an old backup");
        }
        assertTrue(Files.size(backup.resolve("data.mdb")) <= Files.size(live.resolve("data.mdb")), "compacted");

        // Restore as the README says: with the service stopped, the backup's data.mdb replaces the store's.
        Path restored = dir.resolve("restored");
        Files.createDirectories(restored);
        Files.copy(backup.resolve("data.mdb"), restored.resolve("data.mdb"), StandardCopyOption.COPY_ATTRIBUTES);
        try (Storage storage = Storage.open(restored, MAP_SIZE)) {
            for (int i = 0; i < before; i++) {
                assertArrayEquals(("envelope before-" + i).getBytes(UTF_8),
                        storage.outbox().get("t", "before-" + i).orElseThrow().envelope());
            }
            assertEquals(List.of(), storage.checkIntegrity());
            assertTrue(storage.audit().verify().intact());
            assertEquals(1, storage.audit().size());
            put(storage, "after restore");
            assertTrue(storage.outbox().get("t", "after restore").isPresent());
        }
    }

    private static void put(Storage storage, String id) {
        storage.outbox().put(new OutboxMessage("t", id, List.of("G01"), ("envelope " + id).getBytes(UTF_8),
                Instant.now()));
    }
}
