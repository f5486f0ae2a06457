package vn.lienthong.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.storage.queue.OutboxMessage;
import vn.lienthong.storage.queue.PutResult;

class StorageFullTest {

    private static final long SMALL_MAP = 1024 * 1024;
    private static final Instant T0 = Instant.parse("2026-03-12T08:00:00Z");

    @TempDir
    Path directory;

    private static OutboxMessage message(String id, int envelopeBytes) {
        byte[] envelope = new byte[envelopeBytes];
        Arrays.fill(envelope, (byte) id.hashCode());
        return new OutboxMessage("t", id, List.of("G01"), envelope, T0);
    }

    @Test
    void theWriteThatDoesNotFitIsRefusedAndEverythingAcceptedBeforeStaysReadable() {
        List<String> accepted = new ArrayList<>();
        StorageFullException full = null;
        try (Storage storage = Storage.open(directory, SMALL_MAP)) {
            for (int i = 0; i < 100 && full == null; i++) {
                String id = "m" + i;
                try {
                    assertInstanceOf(PutResult.Accepted.class, storage.outbox().put(message(id, 100_000)));
                    accepted.add(id);
                } catch (StorageFullException e) {
                    full = e;
                    assertTrue(storage.outbox().get("t", id).isEmpty(), "nothing of the refused write is stored");
                }
            }
            assertNotNull(full, "a 1 MiB map cannot hold 100 messages of 100 kB");
            assertTrue(full.getMessage().startsWith("Insufficient storage"), full.getMessage());
            assertTrue(accepted.size() >= 3, "accepted " + accepted.size());
            assertAllReadable(storage, accepted);
            assertTrue(storage.isHealthy());
            // A small write may still fit; a big one still does not.
            assertThrows(StorageFullException.class, () -> storage.outbox().put(message("again", 400_000)));
        }
        try (Storage storage = Storage.open(directory, SMALL_MAP)) {
            assertAllReadable(storage, accepted);
        }
        try (Storage storage = Storage.open(directory, 8 * SMALL_MAP)) {
            assertInstanceOf(PutResult.Accepted.class, storage.outbox().put(message("after growth", 400_000)));
            assertAllReadable(storage, accepted);
        }
    }

    @Test
    void aWriteTooBigForTheMapFailsAloneWhileTheWritesCommittedWithItSucceed() throws Exception {
        try (Storage storage = Storage.open(directory, 2 * SMALL_MAP);
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch start = new CountDownLatch(1);
            Future<?> huge = pool.submit(() -> {
                start.await();
                return storage.outbox().put(message("huge", 4 * 1024 * 1024));
            });
            List<Future<?>> small = new ArrayList<>();
            List<String> smallIds = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                String id = "small-" + i;
                smallIds.add(id);
                small.add(pool.submit(() -> {
                    start.await();
                    return storage.outbox().put(message(id, 1000));
                }));
            }
            start.countDown();

            ExecutionException failure = assertThrows(ExecutionException.class, () -> huge.get(30, TimeUnit.SECONDS));
            assertInstanceOf(StorageFullException.class, failure.getCause());
            for (Future<?> f : small) {
                assertInstanceOf(PutResult.Accepted.class, f.get(30, TimeUnit.SECONDS));
            }
            assertAllReadable(storage, smallIds);
            assertTrue(storage.outbox().get("t", "huge").isEmpty());
            assertEquals(12, storage.outbox().pendingDeliveries());
        }
    }

    @Test
    void aFullMapGrowsByItselfUpToTheConfiguredCeiling() {
        try (Storage storage = Storage.open(directory, SMALL_MAP, 4 * SMALL_MAP, CommitListener.none())) {
            List<String> accepted = new ArrayList<>();
            StorageFullException full = null;
            for (int i = 0; i < 100 && full == null; i++) {
                try {
                    storage.outbox().put(message("m" + i, 100_000));
                    accepted.add("m" + i);
                } catch (StorageFullException e) {
                    full = e;
                }
            }
            assertNotNull(full, "the ceiling holds");
            assertTrue(accepted.size() > 12, "more than a 1 MiB map holds: " + accepted.size());
            assertEquals(4 * SMALL_MAP, storage.mapUsage().mapSizeBytes());
            assertAllReadable(storage, accepted);
        }
    }

    @Test
    void aFullStoreTakesWritesAgainWithoutRestartOnceTheOperatorRaisesItsSize() {
        try (Storage storage = Storage.open(directory, SMALL_MAP)) {
            List<String> accepted = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                try {
                    storage.outbox().put(message("m" + i, 100_000));
                    accepted.add("m" + i);
                } catch (StorageFullException e) {
                    break;
                }
            }
            assertThrows(StorageFullException.class, () -> storage.outbox().put(message("refused", 100_000)));

            // What the service does when it reads a raised storage size from its configuration.
            storage.resize(2 * SMALL_MAP, 8 * SMALL_MAP);

            assertInstanceOf(PutResult.Accepted.class, storage.outbox().put(message("refused", 100_000)));
            assertTrue(storage.mapUsage().mapSizeBytes() >= 2 * SMALL_MAP);
            for (int i = 0; i < 20; i++) {
                storage.outbox().put(message("grown" + i, 100_000));
            }
            assertAllReadable(storage, accepted);
            assertEquals(List.of(), storage.checkIntegrity());
        }
    }

    private static void assertAllReadable(Storage storage, List<String> ids) {
        for (String id : ids) {
            byte[] envelope = storage.outbox().get("t", id).orElseThrow().envelope();
            byte[] expected = new byte[envelope.length];
            Arrays.fill(expected, (byte) id.hashCode());
            assertArrayEquals(expected, envelope, id);
        }
    }
}
