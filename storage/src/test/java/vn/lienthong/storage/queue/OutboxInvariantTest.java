package vn.lienthong.storage.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.storage.Storage;

/**
 * Runs random sequences of puts, duplicate puts, leases, receipts, retries and clock steps against
 * real storage and a model of what each must do.
 */
class OutboxInvariantTest {

    private static final Instant T0 = Instant.parse("2026-03-12T08:00:00Z");

    @TempDir
    Path root;

    private record Key(String tenant, String messageId, String recipient) {
        static Key of(DeliveryLease lease) {
            return new Key(lease.tenant(), lease.messageId(), lease.recipient());
        }
    }

    private static final class Expected {
        DeliveryStatus status = DeliveryStatus.PENDING;
        int attempts;
        Instant due;

        Expected(Instant due) {
            this.due = due;
        }
    }

    @Test
    void everyAcceptedDeliveryIsEitherDeliveredOrPendingInTheDueIndexExactlyOnce() {
        qt().withExamples(150)
                .forAll(lists().of(integers().between(0, 5).zip(integers().between(0, 199), Step::new)).ofSizeBetween(1, 50))
                .checkAssert(this::runAgainstModel);
    }

    /** One operation: which ({@code kind}) and a number to pick its tenant, lease, delay or step. */
    private record Step(int kind, int arg) {
    }

    private void runAgainstModel(List<Step> steps) {
        Path directory;
        try {
            directory = Files.createTempDirectory(root, "example");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (Storage storage = Storage.open(directory, 32L * 1024 * 1024)) {
            Outbox outbox = storage.outbox();
            Map<Key, Expected> model = new LinkedHashMap<>();
            List<Key> messages = new ArrayList<>();
            List<DeliveryLease> leases = new ArrayList<>();
            Instant now = T0;
            int nextId = 0;

            for (Step step : steps) {
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
                            model.put(new Key(tenant, id, r), new Expected(now));
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
                        Optional<Instant> earliest = earliestDue(model);
                        Optional<DeliveryLease> lease = outbox.leaseNextDue(now, leaseFor);
                        if (earliest.isEmpty() || earliest.get().isAfter(now)) {
                            assertTrue(lease.isEmpty(), "nothing is due, yet a lease was handed out");
                        } else {
                            Expected expected = model.get(Key.of(lease.orElseThrow()));
                            assertEquals(DeliveryStatus.PENDING, expected.status);
                            assertEquals(earliest.get(), expected.due, "the earliest due delivery comes first");
                            assertEquals(expected.attempts + 1, lease.get().attempt());
                            expected.attempts++;
                            expected.due = now.plus(leaseFor);
                            leases.add(lease.get());
                        }
                    }
                    case 3 -> {
                        if (!leases.isEmpty()) {
                            DeliveryLease lease = leases.get(arg % leases.size());
                            outbox.delivered(lease, new byte[] {3}, now);
                            model.get(Key.of(lease)).status = DeliveryStatus.DELIVERED;
                        }
                    }
                    case 4 -> {
                        if (!leases.isEmpty()) {
                            DeliveryLease lease = leases.get(arg % leases.size());
                            Instant next = now.plusSeconds(arg % 30);
                            outbox.retryLater(lease, next, "failed");
                            Expected expected = model.get(Key.of(lease));
                            if (expected.status == DeliveryStatus.PENDING && expected.attempts == lease.attempt()) {
                                expected.due = next;
                            }
                        }
                    }
                    default -> now = now.plusSeconds(arg % 8);
                }
                assertStateMatches(outbox, model);
            }
            assertDueIndexHoldsEachPendingDeliveryOnce(outbox, model);
        }
    }

    private static Optional<Instant> earliestDue(Map<Key, Expected> model) {
        return model.values().stream().filter(e -> e.status == DeliveryStatus.PENDING).map(e -> e.due)
                .min(Instant::compareTo);
    }

    private static Set<Key> pending(Map<Key, Expected> model) {
        Set<Key> pending = new HashSet<>();
        model.forEach((key, expected) -> {
            if (expected.status == DeliveryStatus.PENDING) {
                pending.add(key);
            }
        });
        return pending;
    }

    private static void assertStateMatches(Outbox outbox, Map<Key, Expected> model) {
        for (Map.Entry<Key, Expected> entry : model.entrySet()) {
            Key key = entry.getKey();
            Expected expected = entry.getValue();
            Delivery stored = outbox.get(key.tenant(), key.messageId()).orElseThrow().deliveries().stream()
                    .filter(d -> d.recipient().equals(key.recipient())).findFirst().orElseThrow();
            assertEquals(expected.status, stored.status(), key.toString());
            assertEquals(expected.attempts, stored.attempts(), key.toString());
            if (expected.status == DeliveryStatus.PENDING) {
                assertEquals(expected.due, stored.nextAttemptAt(), key.toString());
            }
        }
        assertEquals(pending(model).size(), outbox.pendingDeliveries());
        assertEquals(earliestDue(model), outbox.nextDueAt());
    }

    private static void assertDueIndexHoldsEachPendingDeliveryOnce(Outbox outbox, Map<Key, Expected> model) {
        Set<Key> pending = pending(model);

        // Draining the due index from far in the future yields each pending delivery exactly once.
        Map<Key, Integer> drained = new HashMap<>();
        Instant farFuture = T0.plus(Duration.ofDays(365));
        for (Optional<DeliveryLease> lease = outbox.leaseNextDue(farFuture, Duration.ofDays(365)); lease.isPresent();
                lease = outbox.leaseNextDue(farFuture, Duration.ofDays(365))) {
            drained.merge(Key.of(lease.get()), 1, Integer::sum);
        }
        assertEquals(pending, drained.keySet());
        assertTrue(drained.values().stream().allMatch(n -> n == 1), "a delivery was leased twice: " + drained);
    }
}
