package vn.lienthong.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.storage.queue.Delivery;
import vn.lienthong.storage.queue.DeliveryLease;
import vn.lienthong.storage.queue.DeliveryStatus;
import vn.lienthong.storage.queue.InboxEntry;
import vn.lienthong.storage.queue.InboxMessage;
import vn.lienthong.storage.queue.OutboxEntry;
import vn.lienthong.storage.queue.OutboxMessage;
import vn.lienthong.storage.queue.PutResult;

class StorageRestartTest {

    private static final long MAP_SIZE = 16L * 1024 * 1024;
    private static final Instant T0 = Instant.parse("2026-03-12T08:00:00Z");
    private static final Duration LEASE = Duration.ofSeconds(30);

    @TempDir
    Path directory;

    private static byte[] bytes(String text) {
        return text.getBytes(UTF_8);
    }

    private static InboxMessage incoming(String tenant, String id) {
        return new InboxMessage(tenant, id, "G09", bytes("in " + id), bytes("receipt " + id), T0);
    }

    @Test
    void queuesLeasesDeliveryStateReceiptsAcknowledgementsAndTheRegistrySurviveARestart() {
        DeliveryLease leased;
        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            storage.outbox().put(new OutboxMessage("t1", "out-1", List.of("G01", "G02", "G03"), bytes("env 1"), T0));
            DeliveryLease toDeliver = storage.outbox().leaseNextDue(T0, LEASE).orElseThrow();
            DeliveryLease toRetry = storage.outbox().leaseNextDue(T0, LEASE).orElseThrow();
            leased = storage.outbox().leaseNextDue(T0, LEASE).orElseThrow();
            storage.outbox().delivered(toDeliver, bytes("receipt from " + toDeliver.recipient()), T0.plusSeconds(1));
            storage.outbox().retryLater(toRetry, T0.plusSeconds(600), "connection refused");

            storage.inbox().put(incoming("t1", "in-1"));
            storage.inbox().put(incoming("t1", "in-2"));
            storage.inbox().acknowledge("t1", "in-1", T0.plusSeconds(2));

            storage.registry().put("tenant", "t1", bytes("tenant record"));
        }

        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            OutboxEntry out = storage.outbox().get("t1", "out-1").orElseThrow();
            assertArrayEquals(bytes("env 1"), out.envelope());
            Map<DeliveryStatus, Long> byStatus = out.deliveries().stream()
                    .collect(java.util.stream.Collectors.groupingBy(Delivery::status, java.util.stream.Collectors.counting()));
            assertEquals(Map.of(DeliveryStatus.DELIVERED, 1L, DeliveryStatus.PENDING, 1L, DeliveryStatus.IN_FLIGHT, 1L),
                    byStatus);
            Delivery delivered = out.deliveries().stream().filter(d -> d.status() == DeliveryStatus.DELIVERED).findFirst().orElseThrow();
            assertArrayEquals(bytes("receipt from " + delivered.recipient()), delivered.receipt());
            Delivery retried = out.deliveries().stream().filter(d -> "connection refused".equals(d.lastError())).findFirst().orElseThrow();
            assertEquals(T0.plusSeconds(600), retried.nextAttemptAt());
            assertEquals(2, storage.outbox().pendingDeliveries());

            // The lease taken before the restart still holds until it ends, then the delivery is due again.
            assertTrue(storage.outbox().leaseNextDue(leased.leasedUntil().minusMillis(1), LEASE).isEmpty());
            DeliveryLease again = storage.outbox().leaseNextDue(leased.leasedUntil(), LEASE).orElseThrow();
            assertEquals(leased.recipient(), again.recipient());
            assertEquals(2, again.attempt());

            assertEquals(List.of("in-2"), storage.inbox().pending("t1", 10).stream().map(vn.lienthong.storage.queue.InboxSummary::messageId).toList());
            assertEquals(T0.plusSeconds(2), storage.inbox().get("t1", "in-1").orElseThrow().acknowledgedAt());
            var duplicate = storage.inbox().put(incoming("t1", "in-1"));
            assertArrayEquals(bytes("receipt in-1"),
                    ((InboxEntry) assertInstanceOf(PutResult.Duplicate.class, duplicate).existing()).receipt());
            assertInstanceOf(PutResult.Duplicate.class,
                    storage.outbox().put(new OutboxMessage("t1", "out-1", List.of("G01"), bytes("x"), T0)));

            assertArrayEquals(bytes("tenant record"), storage.registry().get("tenant", "t1").orElseThrow());
        }
    }

    @Test
    void arrivalOrderContinuesAcrossARestart() {
        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            storage.inbox().put(incoming("t1", "z-first"));
        }
        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            storage.inbox().put(incoming("t1", "a-second"));
            assertEquals(List.of("z-first", "a-second"),
                    storage.inbox().pending("t1", 10).stream().map(vn.lienthong.storage.queue.InboxSummary::messageId).toList());
        }
    }
}
