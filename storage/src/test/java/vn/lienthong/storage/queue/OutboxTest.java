package vn.lienthong.storage.queue;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.storage.Storage;

class OutboxTest {

    private static final Instant T0 = Instant.parse("2026-03-12T08:00:00.123456789Z");
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

    static OutboxMessage message(String tenant, String id, Instant at, String... recipients) {
        return new OutboxMessage(tenant, id, List.of(recipients), ("envelope " + id).getBytes(UTF_8), at);
    }

    @Test
    void storesAMessageWithEveryRecipientPendingAndDueAtAcceptance() {
        var result = outbox.put(message("t1", "m1", T0, "G01", "G02"));

        OutboxEntry accepted = (OutboxEntry) assertInstanceOf(PutResult.Accepted.class, result).entry();
        OutboxEntry stored = outbox.get("t1", "m1").orElseThrow();
        assertEquals("m1", stored.messageId());
        assertEquals(T0, stored.acceptedAt());
        assertArrayEquals("envelope m1".getBytes(UTF_8), stored.envelope());
        assertEquals(List.of("G01", "G02"), stored.deliveries().stream().map(Delivery::recipient).toList());
        for (Delivery d : stored.deliveries()) {
            assertEquals(DeliveryStatus.PENDING, d.status());
            assertEquals(0, d.attempts());
            assertEquals(T0, d.nextAttemptAt());
        }
        assertEquals(accepted.deliveries(), stored.deliveries());
        assertEquals(2, outbox.pendingDeliveries());
        assertEquals(Optional.of(T0), outbox.nextDueAt());
    }

    @Test
    void recognisesAKnownMessageIdAndChangesNothing() {
        outbox.put(message("t1", "m1", T0, "G01"));

        var again = outbox.put(new OutboxMessage("t1", "m1", List.of("G09"), "other".getBytes(UTF_8), T0.plusSeconds(5)));

        var duplicate = assertInstanceOf(PutResult.Duplicate.class, again);
        OutboxEntry existing = (OutboxEntry) duplicate.existing();
        assertArrayEquals("envelope m1".getBytes(UTF_8), existing.envelope());
        assertEquals(List.of("G01"), existing.deliveries().stream().map(Delivery::recipient).toList());
        assertEquals(1, outbox.pendingDeliveries());
        assertArrayEquals("envelope m1".getBytes(UTF_8), outbox.get("t1", "m1").orElseThrow().envelope());
    }

    @Test
    void theSameMessageIdOfAnotherTenantIsADifferentMessage() {
        outbox.put(message("t1", "m1", T0, "G01"));

        assertInstanceOf(PutResult.Accepted.class, outbox.put(message("t2", "m1", T0, "G01")));
        assertEquals(2, outbox.pendingDeliveries());
        assertTrue(outbox.get("t3", "m1").isEmpty());
    }

    @Test
    void leasesNothingBeforeTheDueTime() {
        outbox.put(message("t1", "m1", T0, "G01"));

        assertTrue(outbox.leaseNextDue(T0.minusMillis(1), LEASE).isEmpty());
        assertTrue(outbox.leaseNextDue(T0, LEASE).isPresent());
    }

    @Test
    void leasesEachTenantsEarliestDueDeliveryFirstWithTenantsTakingTurns() {
        outbox.put(message("t1", "late", T0.plusSeconds(20), "G01"));
        outbox.put(message("t2", "early", T0, "G02"));
        outbox.put(message("t1", "middle", T0.plusSeconds(10), "G03"));

        Instant now = T0.plusSeconds(60);
        assertEquals("middle", outbox.leaseNextDue(now, LEASE).orElseThrow().messageId());
        assertEquals("early", outbox.leaseNextDue(now, LEASE).orElseThrow().messageId());
        DeliveryLease last = outbox.leaseNextDue(now, LEASE).orElseThrow();
        assertEquals("late", last.messageId());
        assertEquals("t1", last.tenant());
        assertEquals("G01", last.recipient());
        assertArrayEquals("envelope late".getBytes(UTF_8), last.envelope());
        assertEquals(1, last.attempt());
        assertEquals(now.plus(LEASE), last.leasedUntil());
        assertTrue(outbox.leaseNextDue(now, LEASE).isEmpty(), "every delivery is leased");
    }

    @Test
    void aLeaseThatExpiresMakesTheDeliveryDueAgainWithTheNextAttemptNumber() {
        outbox.put(message("t1", "m1", T0, "G01"));
        DeliveryLease first = outbox.leaseNextDue(T0, LEASE).orElseThrow();

        assertTrue(outbox.leaseNextDue(first.leasedUntil().minusNanos(1), LEASE).isEmpty());
        assertEquals(Optional.of(first.leasedUntil()), outbox.nextDueAt());
        DeliveryLease second = outbox.leaseNextDue(first.leasedUntil(), LEASE).orElseThrow();

        assertEquals(2, second.attempt());
        assertEquals(2, outbox.get("t1", "m1").orElseThrow().deliveries().getFirst().attempts());
    }

    @Test
    void deliveredStoresTheReceiptAndTheDeliveryIsNoLongerPending() {
        outbox.put(message("t1", "m1", T0, "G01", "G02"));
        DeliveryLease lease = outbox.leaseNextDue(T0, LEASE).orElseThrow();

        outbox.delivered(lease, "receipt".getBytes(UTF_8), T0.plusSeconds(1));

        OutboxEntry entry = outbox.get("t1", "m1").orElseThrow();
        Delivery done = entry.deliveries().stream().filter(d -> d.recipient().equals(lease.recipient())).findFirst().orElseThrow();
        assertEquals(DeliveryStatus.DELIVERED, done.status());
        assertArrayEquals("receipt".getBytes(UTF_8), done.receipt());
        assertEquals(T0.plusSeconds(1), done.deliveredAt());
        assertNull(done.nextAttemptAt());
        assertEquals(1, outbox.pendingDeliveries());
        assertTrue(!entry.fullyDelivered());

        DeliveryLease other = outbox.leaseNextDue(T0, LEASE).orElseThrow();
        assertNotEquals(lease.recipient(), other.recipient());
        outbox.delivered(other, "receipt 2".getBytes(UTF_8), T0.plusSeconds(2));
        assertTrue(outbox.get("t1", "m1").orElseThrow().fullyDelivered());
        assertEquals(0, outbox.pendingDeliveries());
        assertEquals(Optional.empty(), outbox.nextDueAt());
        assertTrue(outbox.leaseNextDue(T0.plusSeconds(3600), LEASE).isEmpty());
    }

    @Test
    void retryLaterRecordsTheErrorAndTheNewDueTime() {
        outbox.put(message("t1", "m1", T0, "G01"));
        DeliveryLease lease = outbox.leaseNextDue(T0, LEASE).orElseThrow();
        Instant retryAt = T0.plusSeconds(300);

        outbox.retryLater(lease, retryAt, "peer answered 503");

        Delivery delivery = outbox.get("t1", "m1").orElseThrow().deliveries().getFirst();
        assertEquals(DeliveryStatus.PENDING, delivery.status());
        assertEquals("peer answered 503", delivery.lastError());
        assertEquals(retryAt, delivery.nextAttemptAt());
        assertEquals(1, delivery.attempts());
        assertEquals(Optional.of(retryAt), outbox.nextDueAt());
        assertTrue(outbox.leaseNextDue(lease.leasedUntil(), LEASE).isEmpty(), "not due at the old lease's end");
        assertEquals(2, outbox.leaseNextDue(retryAt, LEASE).orElseThrow().attempt());
    }

    @Test
    void aRetryUnderAStaleLeaseIsIgnored() {
        outbox.put(message("t1", "m1", T0, "G01"));
        DeliveryLease stale = outbox.leaseNextDue(T0, LEASE).orElseThrow();
        DeliveryLease current = outbox.leaseNextDue(stale.leasedUntil(), LEASE).orElseThrow();

        outbox.retryLater(stale, T0.plusSeconds(3600), "too late");

        Delivery delivery = outbox.get("t1", "m1").orElseThrow().deliveries().getFirst();
        assertEquals(current.leasedUntil(), delivery.nextAttemptAt());
        assertNull(delivery.lastError());
        assertEquals(Optional.of(current.leasedUntil()), outbox.nextDueAt());
        assertEquals(1, outbox.pendingDeliveries());
    }

    @Test
    void aReceiptUnderAStaleLeaseStillCountsAndTheFirstReceiptIsKept() {
        outbox.put(message("t1", "m1", T0, "G01"));
        DeliveryLease stale = outbox.leaseNextDue(T0, LEASE).orElseThrow();
        DeliveryLease current = outbox.leaseNextDue(stale.leasedUntil(), LEASE).orElseThrow();

        outbox.delivered(stale, "first".getBytes(UTF_8), T0.plusSeconds(40));
        outbox.delivered(current, "second".getBytes(UTF_8), T0.plusSeconds(41));
        outbox.retryLater(current, T0.plusSeconds(99), "ignored");

        Delivery delivery = outbox.get("t1", "m1").orElseThrow().deliveries().getFirst();
        assertEquals(DeliveryStatus.DELIVERED, delivery.status());
        assertArrayEquals("first".getBytes(UTF_8), delivery.receipt());
        assertEquals(0, outbox.pendingDeliveries());
    }

    @Test
    void refusesMessagesItCouldNotIndex() {
        assertThrows(IllegalArgumentException.class, () -> outbox.put(message("t1", "m1", T0)));
        assertThrows(IllegalArgumentException.class, () -> outbox.put(message("", "m1", T0, "G01")));
        assertThrows(IllegalArgumentException.class, () -> outbox.put(message("t1", "x".repeat(201), T0, "G01")));
        assertEquals(0, outbox.pendingDeliveries());
    }

    @Test
    void countsATenantsWaitingDocumentsAndBytesUntilEveryRecipientHasAReceipt() {
        outbox.put(message("t1", "m1", T0, "G01", "G02"));
        outbox.put(message("t2", "m2", T0, "G01"));
        long bytes = "envelope m1".length();
        assertEquals(new TenantUsage(1, bytes), outbox.usage("t1"));
        assertEquals(new TenantUsage(1, "envelope m2".length()), outbox.usage("t2"), "each tenant its own count");

        DeliveryLease first = outbox.leaseNextDue(T0, LEASE).orElseThrow();
        DeliveryLease second = outbox.leaseNextDue(T0, LEASE).orElseThrow();
        DeliveryLease third = outbox.leaseNextDue(T0, LEASE).orElseThrow();
        for (DeliveryLease lease : List.of(first, second, third)) {
            if (lease.tenant().equals("t1") && lease.recipient().equals("G01")) {
                outbox.delivered(lease, "receipt".getBytes(UTF_8), T0);
            }
        }
        assertEquals(new TenantUsage(1, bytes), outbox.usage("t1"), "still waiting for G02");
        for (DeliveryLease lease : List.of(first, second, third)) {
            if (lease.tenant().equals("t1") && lease.recipient().equals("G02")) {
                outbox.delivered(lease, "receipt".getBytes(UTF_8), T0);
                outbox.delivered(lease, "receipt".getBytes(UTF_8), T0); // a second receipt changes nothing
            }
        }
        assertEquals(TenantUsage.NONE, outbox.usage("t1"));
        assertEquals(1, outbox.usage("t2").documents());
    }

    @Test
    void refusesAPutBeyondTheTenantsQuotaButAnswersADuplicateAsBefore() {
        assertTrue(outbox.putWithin(message("t1", "m1", T0, "G01"), 1, 0).isPresent());
        assertTrue(outbox.putWithin(message("t1", "m2", T0, "G01"), 1, 0).isEmpty(), "one document at most");
        assertTrue(outbox.get("t1", "m2").isEmpty(), "nothing stored");
        assertInstanceOf(PutResult.Duplicate.class, outbox.putWithin(message("t1", "m1", T0, "G01"), 1, 0)
                .orElseThrow());
        long oneEnvelope = "envelope m1".length();
        assertTrue(outbox.putWithin(message("t2", "m3", T0, "G01"), 0, oneEnvelope).isPresent());
        assertTrue(outbox.putWithin(message("t2", "m4", T0, "G01"), 0, oneEnvelope).isEmpty(), "bytes bounded");
        assertTrue(outbox.putWithin(message("t3", "m5", T0, "G01"), 1, oneEnvelope).isPresent(),
                "another tenant has its own quota");
    }

    @Test
    void concurrentPutsCommittedTogetherKeepEachTenantsUsageAndQuotaExact() throws Exception {
        // 64 puts at once, most of them in one group commit: the usage the group keeps in memory and
        // writes once must come out as if each put had read and written it in turn.
        List<Future<Optional<PutResult<OutboxEntry>>>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 64; i++) {
                String tenant = i % 2 == 0 ? "even" : "odd";
                String id = "c%02d".formatted(i);
                results.add(pool.submit(() -> outbox.putWithin(message(tenant, id, T0, "G01"), 10, 0)));
            }
        }
        int accepted = 0;
        for (Future<Optional<PutResult<OutboxEntry>>> result : results) {
            accepted += result.get().isPresent() ? 1 : 0;
        }
        assertEquals(20, accepted, "ten documents per tenant at most");
        long tenDocumentsBytes = 10L * "envelope cNN".length();
        assertEquals(new TenantUsage(10, tenDocumentsBytes), outbox.usage("even"));
        assertEquals(new TenantUsage(10, tenDocumentsBytes), outbox.usage("odd"));

        // Delivering every one releases it, concurrently too.
        List<DeliveryLease> leases = new ArrayList<>();
        for (Optional<DeliveryLease> lease = outbox.leaseNextDue(T0, LEASE); lease.isPresent();
             lease = outbox.leaseNextDue(T0, LEASE)) {
            leases.add(lease.get());
        }
        assertEquals(20, leases.size());
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (DeliveryLease lease : leases) {
                pool.submit(() -> outbox.delivered(lease, "receipt".getBytes(UTF_8), T0.plusSeconds(1)));
            }
        }
        assertEquals(TenantUsage.NONE, outbox.usage("even"));
        assertEquals(TenantUsage.NONE, outbox.usage("odd"));
    }

    @Test
    void servesTenantsInTurnSoThatABacklogDelaysAnotherTenantByOneDeliveryPerBusyTenant() {
        // Tenant "big" has a backlog due before anything of the others; each other tenant has one document.
        int backlog = 500;
        for (int i = 0; i < backlog; i++) {
            outbox.put(message("big", "b" + i, T0.plusMillis(i), "G01"));
        }
        outbox.put(message("small", "s1", T0.plusMillis(backlog + 1), "G01"));
        outbox.put(message("other", "o1", T0.plusMillis(backlog + 2), "G01"));
        Instant now = T0.plusSeconds(60);
        List<String> order = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            order.add(outbox.leaseNextDue(now, LEASE).orElseThrow().messageId());
        }
        int small = order.indexOf("s1");
        int other = order.indexOf("o1");
        System.out.println("fairness: with a backlog of " + backlog + " documents of one tenant, another tenant's"
                + " single document was leased at position " + (small + 1) + " and a third's at " + (other + 1)
                + " (first-come order would be " + (backlog + 1) + " and " + (backlog + 2) + ")");
        assertTrue(small >= 0 && small < 3 && other >= 0 && other < 3, order.toString());
        assertEquals(List.of("b0", "b1", "b2"), order.stream().filter(id -> id.startsWith("b")).limit(3).toList(),
                "each tenant's own deliveries stay in due order");
        assertEquals(List.of(), storage.checkIntegrity());
    }

    @Test
    void aTenantWhoseDeliveriesAreNotYetDueDoesNotHoldUpTheOthers() {
        outbox.put(message("late", "l1", T0.plusSeconds(3600), "G01"));
        outbox.put(message("now", "n1", T0, "G01"));
        assertEquals("n1", outbox.leaseNextDue(T0, LEASE).orElseThrow().messageId());
        assertTrue(outbox.leaseNextDue(T0, LEASE).isEmpty(), "l1 is not due yet and n1 is leased");
        assertEquals("l1", outbox.leaseNextDue(T0.plusSeconds(3600), LEASE).orElseThrow().messageId());
    }
}
