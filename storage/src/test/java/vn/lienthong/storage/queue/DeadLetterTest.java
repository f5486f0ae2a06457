package vn.lienthong.storage.queue;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.storage.Storage;

class DeadLetterTest {

    private static final Instant T0 = Instant.parse("2026-03-12T08:00:00Z");
    private static final Duration LEASE = Duration.ofSeconds(30);

    @TempDir
    Path directory;
    Storage storage;
    Outbox outbox;

    @BeforeEach
    void open() {
        storage = Storage.open(directory, 64L * 1024 * 1024);
        outbox = storage.outbox();
    }

    @AfterEach
    void close() {
        storage.close();
    }

    private Delivery delivery(String id, String recipient) {
        return outbox.get("t1", id).orElseThrow().deliveries().stream()
                .filter(d -> d.recipient().equals(recipient)).findFirst().orElseThrow();
    }

    @Test
    void aLeasedDeliveryIsInFlightUntilItsLeaseEnds() {
        outbox.put(OutboxTest.message("t1", "m1", T0, "G01"));
        assertEquals(DeliveryStatus.PENDING, delivery("m1", "G01").status());
        DeliveryLease lease = outbox.leaseNextDue(T0, LEASE).orElseThrow();
        Delivery leased = delivery("m1", "G01");
        assertEquals(DeliveryStatus.IN_FLIGHT, leased.status());
        assertEquals(lease.leasedUntil(), leased.nextAttemptAt());
        assertEquals(T0, lease.queuedSince());
    }

    @Test
    void aDeadLetteredDeliveryLeavesTheScheduleKeepsItsReasonAndIsListed() {
        outbox.put(OutboxTest.message("t1", "m1", T0, "G01", "G02"));
        DeliveryLease lease = outbox.leaseNextDue(T0, LEASE).orElseThrow();

        outbox.deadLetter(lease, "gave up after 1 attempt: connection refused", T0.plusSeconds(5));

        Delivery failed = delivery("m1", lease.recipient());
        assertEquals(DeliveryStatus.FAILED, failed.status());
        assertEquals("gave up after 1 attempt: connection refused", failed.lastError());
        assertEquals(T0.plusSeconds(5), failed.failedAt());
        assertNull(failed.nextAttemptAt());
        assertEquals(1, outbox.pendingDeliveries(), "the other recipient is still pending");
        assertEquals(List.of(new DeadLetter("t1", "m1", lease.recipient(), 1,
                "gave up after 1 attempt: connection refused", T0.plusSeconds(5))), outbox.deadLetters(10));
        DeliveryLease other = outbox.leaseNextDue(T0.plusSeconds(3600), LEASE).orElseThrow();
        assertTrue(!other.recipient().equals(lease.recipient()), "a dead letter is never leased");
        assertEquals(List.of(), storage.checkIntegrity());
    }

    @Test
    void requeueingPutsADeadLetterBackDueNowWithItsAttemptsCountedAfresh() {
        outbox.put(OutboxTest.message("t1", "m1", T0, "G01"));
        outbox.put(OutboxTest.message("t1", "m2", T0, "G01"));
        outbox.deadLetter(outbox.leaseNextDue(T0, LEASE).orElseThrow(), "too old", T0);
        outbox.deadLetter(outbox.leaseNextDue(T0, LEASE).orElseThrow(), "too old", T0);
        Instant later = T0.plusSeconds(86_400);

        assertEquals(0, outbox.requeue("t1", "m1", "G99", later), "no such dead letter");
        assertEquals(1, outbox.requeue("t1", "m1", "G01", later));
        assertEquals(0, outbox.requeue("t1", "m1", "G01", later), "already requeued");

        Delivery requeued = delivery("m1", "G01");
        assertEquals(DeliveryStatus.PENDING, requeued.status());
        assertEquals(0, requeued.attempts());
        assertEquals(later, requeued.nextAttemptAt());
        assertEquals(later, requeued.queuedSince());
        assertEquals(1, outbox.deadLetters(10).size());
        DeliveryLease again = outbox.leaseNextDue(later, LEASE).orElseThrow();
        assertEquals("m1", again.messageId());
        assertEquals(1, again.attempt());
        assertEquals(later, again.queuedSince());

        assertEquals(1, outbox.requeueAll(later));
        assertEquals(List.of(), outbox.deadLetters(10));
        assertEquals(List.of(), storage.checkIntegrity());
    }

    @Test
    void aDeadLetterUnderAStaleLeaseIsIgnoredButALateReceiptStillCounts() {
        outbox.put(OutboxTest.message("t1", "m1", T0, "G01"));
        DeliveryLease stale = outbox.leaseNextDue(T0, LEASE).orElseThrow();
        DeliveryLease current = outbox.leaseNextDue(stale.leasedUntil(), LEASE).orElseThrow();

        outbox.deadLetter(stale, "stale", T0);
        assertEquals(DeliveryStatus.IN_FLIGHT, delivery("m1", "G01").status());

        outbox.deadLetter(current, "given up", T0.plusSeconds(60));
        outbox.delivered(stale, "late receipt".getBytes(UTF_8), T0.plusSeconds(61));
        Delivery d = delivery("m1", "G01");
        assertEquals(DeliveryStatus.DELIVERED, d.status());
        assertArrayEquals("late receipt".getBytes(UTF_8), d.receipt());
        assertEquals(List.of(), outbox.deadLetters(10));
        assertEquals(Optional.empty(), outbox.nextDueAt());
        assertEquals(List.of(), storage.checkIntegrity());
    }

    @Test
    void depthCountsActiveDeliveriesPerTenantAndKnowsTheOldest() {
        outbox.put(OutboxTest.message("t1", "m1", T0, "G01", "G02"));
        outbox.put(OutboxTest.message("t2", "m1", T0.plusSeconds(10), "G01"));
        outbox.deadLetter(outbox.leaseNextDue(T0.plusSeconds(20), LEASE).orElseThrow(), "x", T0);

        QueueDepth depth = outbox.depth();
        assertEquals(2, depth.total());
        assertEquals(Optional.of(T0), depth.oldestSince());
        assertEquals(1, outbox.deadLetterCount());
    }
}
