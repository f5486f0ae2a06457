package vn.lienthong.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.storage.queue.DeliveryLease;
import vn.lienthong.storage.queue.InboxMessage;
import vn.lienthong.storage.queue.OutboxMessage;
import vn.lienthong.storage.queue.PutResult;

/**
 * The store above its intake high-water mark: new documents are refused, while everything that
 * drains it (retries, receipts, acknowledgements) is still recorded, and intake opens again once the
 * drain has brought it below the low-water mark.
 */
class IntakeLimitTest {

    private static final long MAP = 2L * 1024 * 1024;
    private static final Instant T0 = Instant.parse("2026-03-12T08:00:00Z");
    private static final Duration LEASE = Duration.ofMinutes(1);

    @TempDir
    Path directory;

    private static OutboxMessage message(String id) {
        byte[] envelope = new byte[3000];
        Arrays.fill(envelope, (byte) id.hashCode());
        return new OutboxMessage("t", id, List.of("G01"), envelope, T0);
    }

    @Test
    void aStoreAboveItsHighWaterMarkRefusesIntakeRecordsItsDrainAndTakesDocumentsAgainBelowTheLowWaterMark()
            throws Exception {
        try (Storage storage = Storage.open(directory, MAP / 2, MAP, CommitListener.none())) {
            storage.limitIntake(90, 80);
            List<String> accepted = new ArrayList<>();
            IntakeClosedException refused = null;
            for (int i = 0; i < 10_000 && refused == null; i++) {
                try {
                    assertInstanceOf(PutResult.Accepted.class, storage.outbox().put(message("m" + i)));
                    accepted.add("m" + i);
                } catch (IntakeClosedException e) {
                    refused = e;
                }
            }
            assertNotNull(refused, "intake closes before the map is full");
            assertTrue(refused.getMessage().contains("high-water mark of 90%"), refused.getMessage());
            assertFalse(storage.intake().open());
            assertTrue(storage.intake().occupiedRatio() >= 0.9, "closed at " + storage.intake().occupiedRatio());
            // The inbox is intake too.
            assertThrows(IntakeClosedException.class, () -> storage.inbox().put(
                    new InboxMessage("t", "in-1", "G01", new byte[100], new byte[10], T0)));

            // Refused intake and other writes arriving together: each intake write is refused alone,
            // every other write in the same group commit succeeds.
            try (ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> intake = new ArrayList<>();
                List<Future<?>> others = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    String n = String.valueOf(i);
                    intake.add(writers.submit(() -> storage.outbox().put(message("late " + n))));
                    others.add(writers.submit(() -> {
                        storage.registry().put("status", n, new byte[200]);
                        return null;
                    }));
                }
                for (Future<?> f : intake) {
                    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
                    assertInstanceOf(IntakeClosedException.class, e.getCause());
                }
                for (Future<?> f : others) {
                    f.get(30, TimeUnit.SECONDS);
                }
            }
            assertEquals(20, storage.registry().list("status").size());

            // Above the mark every attempt is still recorded: a failed one, then its receipt.
            Instant now = T0;
            for (String id : accepted) {
                DeliveryLease lease = storage.outbox().leaseNextDue(now, LEASE).orElseThrow();
                storage.outbox().retryLater(lease, now, "the peer is down; ".repeat(20));
            }
            assertFalse(storage.intake().open(), "retries do not open intake");
            byte[] receipt = new byte[2000];
            for (int i = 0; i < accepted.size(); i++) {
                Optional<DeliveryLease> lease = storage.outbox().leaseNextDue(now, LEASE);
                storage.outbox().delivered(lease.orElseThrow(), receipt, now);
            }
            assertEquals(0, storage.outbox().pendingDeliveries(), "the queue drained");
            for (String id : accepted) {
                assertTrue(storage.outbox().get("t", id).orElseThrow().fullyDelivered(), id);
            }

            IntakeState after = storage.intake();
            assertTrue(after.open(), "the drain freed the room held for its receipts: " + after);
            assertInstanceOf(PutResult.Accepted.class, storage.outbox().put(message("after the drain")));
        }
    }
}
