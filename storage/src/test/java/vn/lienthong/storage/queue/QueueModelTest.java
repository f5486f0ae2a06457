package vn.lienthong.storage.queue;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.storage.Storage;

/**
 * Runs random sequences of enqueue, lease, ack, nack, dead-letter, requeue, timeout (the clock
 * moves) and reopen against real storage and an in-memory model of both queues, checking after
 * every step that the store says what the model says and that its indexes are sound.
 */
class QueueModelTest {

    private static final Instant T0 = Instant.parse("2026-03-12T08:00:00Z");
    private static final long MAP_SIZE = 32L * 1024 * 1024;
    private static final Duration VISIBILITY = Duration.ofSeconds(10);
    private static final int KINDS = 14;

    @TempDir
    Path root;

    /** One operation: which ({@code kind}) and a number to pick its message, lease or delay. */
    private record Step(int kind, int arg) {
        @Override
        public String toString() {
            return NAMES[kind] + "(" + arg + ")";
        }
    }

    private static final String[] NAMES = {"outbox-enqueue", "outbox-duplicate", "outbox-lease", "outbox-ack",
        "outbox-nack", "outbox-dead-letter", "outbox-requeue", "inbox-enqueue", "inbox-lease", "inbox-ack",
        "inbox-nack", "timeout", "reopen", "inbox-duplicate"};

    private record Key(String tenant, String messageId, String recipient) {
        static Key of(DeliveryLease lease) {
            return new Key(lease.tenant(), lease.messageId(), lease.recipient());
        }
    }

    private static final class ExpectedDelivery {
        DeliveryStatus status = DeliveryStatus.PENDING;
        int attempts;
        Instant due;

        ExpectedDelivery(Instant due) {
            this.due = due;
        }
    }

    private static final class ExpectedIncoming {
        final String id;
        boolean acknowledged;
        Instant hiddenUntil;

        ExpectedIncoming(String id) {
            this.id = id;
        }
    }

    @Test
    void bothQueuesBehaveLikeTheirModelThroughLeasesTimeoutsDeadLettersAndReopens() {
        qt().withExamples(100)
                .withShrinkCycles(200)
                .forAll(lists().of(integers().between(0, KINDS - 1).zip(integers().between(0, 199), Step::new))
                        .ofSizeBetween(1, 40))
                .checkAssert(this::runAgainstModel);
    }

    private void runAgainstModel(List<Step> steps) {
        Path directory;
        try {
            directory = Files.createTempDirectory(root, "example");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Storage storage = Storage.open(directory, MAP_SIZE);
        try {
            Map<Key, ExpectedDelivery> deliveries = new LinkedHashMap<>();
            List<Key> messages = new ArrayList<>();
            List<DeliveryLease> leases = new ArrayList<>();
            List<ExpectedIncoming> incoming = new ArrayList<>();
            Instant now = T0;
            int nextId = 0;

            for (Step step : steps) {
                Outbox outbox = storage.outbox();
                Inbox inbox = storage.inbox();
                int arg = step.arg();
                switch (step.kind()) {
                    case 0 -> {
                        String tenant = "t" + arg % 3;
                        String id = "m" + nextId++;
                        List<String> recipients = List.of("R0", "R1", "R2").subList(0, 1 + arg % 3);
                        assertInstanceOf(PutResult.Accepted.class,
                                outbox.put(new OutboxMessage(tenant, id, recipients, new byte[] {1}, now)));
                        messages.add(new Key(tenant, id, null));
                        for (String r : recipients) {
                            deliveries.put(new Key(tenant, id, r), new ExpectedDelivery(now));
                        }
                    }
                    case 1 -> {
                        if (!messages.isEmpty()) {
                            Key known = messages.get(arg % messages.size());
                            assertInstanceOf(PutResult.Duplicate.class, outbox.put(new OutboxMessage(known.tenant(),
                                    known.messageId(), List.of("OTHER"), new byte[] {2}, now)));
                        }
                    }
                    case 2 -> {
                        Duration leaseFor = Duration.ofSeconds(1 + arg % 5);
                        Optional<Instant> earliest = earliestDue(deliveries);
                        Optional<DeliveryLease> lease = outbox.leaseNextDue(now, leaseFor);
                        if (earliest.isEmpty() || earliest.get().isAfter(now)) {
                            assertTrue(lease.isEmpty(), "nothing is due, yet a lease was handed out");
                        } else {
                            ExpectedDelivery expected = deliveries.get(Key.of(lease.orElseThrow()));
                            assertTrue(expected.status.active());
                            // Tenants take turns; within the tenant served, its earliest due delivery comes first.
                            assertFalse(expected.due.isAfter(now), "a delivery not yet due was leased");
                            Map<Key, ExpectedDelivery> ofTenant = new java.util.HashMap<>();
                            deliveries.forEach((k, v) -> {
                                if (k.tenant().equals(lease.get().tenant())) {
                                    ofTenant.put(k, v);
                                }
                            });
                            assertEquals(earliestDue(ofTenant).orElseThrow(), expected.due,
                                    "the tenant's earliest due delivery comes first");
                            assertEquals(expected.attempts + 1, lease.get().attempt());
                            expected.attempts++;
                            expected.status = DeliveryStatus.IN_FLIGHT;
                            expected.due = now.plus(leaseFor);
                            leases.add(lease.get());
                        }
                    }
                    case 3 -> {
                        if (!leases.isEmpty()) {
                            DeliveryLease lease = leases.get(arg % leases.size());
                            outbox.delivered(lease, new byte[] {3}, now);
                            deliveries.get(Key.of(lease)).status = DeliveryStatus.DELIVERED;
                        }
                    }
                    case 4 -> {
                        if (!leases.isEmpty()) {
                            DeliveryLease lease = leases.get(arg % leases.size());
                            Instant next = now.plusSeconds(arg % 30);
                            outbox.retryLater(lease, next, "failed");
                            ExpectedDelivery expected = deliveries.get(Key.of(lease));
                            if (expected.status.active() && expected.attempts == lease.attempt()) {
                                expected.status = DeliveryStatus.PENDING;
                                expected.due = next;
                            }
                        }
                    }
                    case 5 -> {
                        if (!leases.isEmpty()) {
                            DeliveryLease lease = leases.get(arg % leases.size());
                            outbox.deadLetter(lease, "given up", now);
                            ExpectedDelivery expected = deliveries.get(Key.of(lease));
                            if (expected.status.active() && expected.attempts == lease.attempt()) {
                                expected.status = DeliveryStatus.FAILED;
                            }
                        }
                    }
                    case 6 -> {
                        int expectedCount = 0;
                        for (ExpectedDelivery expected : deliveries.values()) {
                            if (expected.status == DeliveryStatus.FAILED) {
                                expected.status = DeliveryStatus.PENDING;
                                expected.attempts = 0;
                                expected.due = now;
                                expectedCount++;
                            }
                        }
                        assertEquals(expectedCount, outbox.requeueAll(now));
                    }
                    case 7 -> {
                        String id = "i" + nextId++;
                        assertInstanceOf(PutResult.Accepted.class, inbox.put(incomingMessage(id, now)));
                        incoming.add(new ExpectedIncoming(id));
                    }
                    case 8 -> {
                        if (!incoming.isEmpty()) {
                            ExpectedIncoming expected = incoming.get(arg % incoming.size());
                            InboxEntry fetched = inbox.fetch("t0", expected.id, now, VISIBILITY).orElseThrow();
                            assertArrayEquals(("receipt " + expected.id).getBytes(UTF_8), fetched.receipt());
                            if (!expected.acknowledged) {
                                expected.hiddenUntil = now.plus(VISIBILITY);
                            }
                        }
                    }
                    case 9 -> {
                        if (!incoming.isEmpty()) {
                            ExpectedIncoming expected = incoming.get(arg % incoming.size());
                            assertTrue(inbox.acknowledge("t0", expected.id, now));
                            expected.acknowledged = true;
                        }
                    }
                    case 10 -> {
                        if (!incoming.isEmpty()) {
                            ExpectedIncoming expected = incoming.get(arg % incoming.size());
                            assertEquals(!expected.acknowledged, inbox.release("t0", expected.id));
                            expected.hiddenUntil = null;
                        }
                    }
                    case 11 -> now = now.plusSeconds(arg % 12);
                    case 12 -> {
                        storage.close();
                        storage = Storage.open(directory, MAP_SIZE);
                    }
                    default -> {
                        if (!incoming.isEmpty()) {
                            ExpectedIncoming expected = incoming.get(arg % incoming.size());
                            PutResult<InboxEntry> again = inbox.put(new InboxMessage("t0", expected.id, "G01",
                                    new byte[] {9}, new byte[] {9}, now));
                            InboxEntry first = assertInstanceOf(PutResult.Duplicate.class, again).existing() instanceof
                                    InboxEntry e ? e : null;
                            assertArrayEquals(("receipt " + expected.id).getBytes(UTF_8), first.receipt(),
                                    "a duplicate is answered with the first receipt");
                        }
                    }
                }
                assertOutboxMatches(storage.outbox(), deliveries);
                assertInboxMatches(storage.inbox(), incoming, now);
                assertEquals(List.of(), storage.checkIntegrity(), "after " + step);
            }
            assertDueIndexHoldsEachActiveDeliveryOnce(storage.outbox(), deliveries);
        } finally {
            storage.close();
        }
    }

    private static InboxMessage incomingMessage(String id, Instant at) {
        return new InboxMessage("t0", id, "G01", ("envelope " + id).getBytes(UTF_8),
                ("receipt " + id).getBytes(UTF_8), at);
    }

    private static Optional<Instant> earliestDue(Map<Key, ExpectedDelivery> model) {
        return model.values().stream().filter(e -> e.status.active()).map(e -> e.due).min(Instant::compareTo);
    }

    private static Set<Key> withStatus(Map<Key, ExpectedDelivery> model, boolean active) {
        return model.entrySet().stream()
                .filter(e -> active ? e.getValue().status.active() : e.getValue().status == DeliveryStatus.FAILED)
                .map(Map.Entry::getKey).collect(Collectors.toSet());
    }

    private static void assertOutboxMatches(Outbox outbox, Map<Key, ExpectedDelivery> model) {
        for (Map.Entry<Key, ExpectedDelivery> entry : model.entrySet()) {
            Key key = entry.getKey();
            ExpectedDelivery expected = entry.getValue();
            Delivery stored = outbox.get(key.tenant(), key.messageId()).orElseThrow().deliveries().stream()
                    .filter(d -> d.recipient().equals(key.recipient())).findFirst().orElseThrow();
            assertEquals(expected.status, stored.status(), key.toString());
            assertEquals(expected.attempts, stored.attempts(), key.toString());
            if (expected.status.active()) {
                assertEquals(expected.due, stored.nextAttemptAt(), key.toString());
            }
        }
        assertEquals(withStatus(model, true).size(), outbox.pendingDeliveries());
        assertEquals(earliestDue(model), outbox.nextDueAt());
        assertEquals(withStatus(model, false), outbox.deadLetters(1000).stream()
                .map(d -> new Key(d.tenant(), d.messageId(), d.recipient())).collect(Collectors.toSet()));
    }

    private static void assertInboxMatches(Inbox inbox, List<ExpectedIncoming> model, Instant now) {
        List<String> visible = model.stream()
                .filter(m -> !m.acknowledged && (m.hiddenUntil == null || !m.hiddenUntil.isAfter(now)))
                .map(m -> m.id).toList();
        assertEquals(visible, inbox.visible("t0", 1000, now).stream().map(InboxSummary::messageId).toList());
        assertEquals(model.stream().filter(m -> !m.acknowledged).count(), inbox.pendingMessages());
        for (ExpectedIncoming m : model) {
            assertEquals(m.acknowledged, inbox.get("t0", m.id).orElseThrow().acknowledged(), m.id);
        }
    }

    private static void assertDueIndexHoldsEachActiveDeliveryOnce(Outbox outbox, Map<Key, ExpectedDelivery> model) {
        // Draining the due index from far in the future yields each active delivery exactly once.
        Map<Key, Integer> drained = new HashMap<>();
        Instant farFuture = T0.plus(Duration.ofDays(365));
        for (Optional<DeliveryLease> lease = outbox.leaseNextDue(farFuture, Duration.ofDays(365)); lease.isPresent();
                lease = outbox.leaseNextDue(farFuture, Duration.ofDays(365))) {
            drained.merge(Key.of(lease.get()), 1, Integer::sum);
        }
        assertEquals(new TreeSet<>(withStatus(model, true).stream().map(Key::toString).toList()),
                new TreeSet<>(drained.keySet().stream().map(Key::toString).toList()));
        assertTrue(drained.values().stream().allMatch(n -> n == 1), "a delivery was leased twice: " + drained);
    }
}
