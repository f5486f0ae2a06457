package vn.lienthong.storage.queue;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.storage.Storage;

class InboxTest {

    private static final Instant T0 = Instant.parse("2026-03-12T08:00:00.5Z");

    @TempDir
    Path directory;
    Storage storage;
    Inbox inbox;

    @BeforeEach
    void open() {
        storage = Storage.open(directory, 64L * 1024 * 1024);
        inbox = storage.inbox();
    }

    @AfterEach
    void close() {
        storage.close();
    }

    static InboxMessage message(String tenant, String id) {
        return new InboxMessage(tenant, id, "000.00.00.G01", ("envelope " + id).getBytes(UTF_8),
                ("receipt " + id).getBytes(UTF_8), T0);
    }

    private static List<String> ids(List<InboxSummary> entries) {
        return entries.stream().map(InboxSummary::messageId).toList();
    }

    @Test
    void storesAMessageAndReadsItBack() {
        var result = inbox.put(message("t1", "m1"));

        InboxEntry accepted = (InboxEntry) assertInstanceOf(PutResult.Accepted.class, result).entry();
        InboxEntry stored = inbox.get("t1", "m1").orElseThrow();
        assertEquals("000.00.00.G01", stored.sender());
        assertArrayEquals("envelope m1".getBytes(UTF_8), stored.envelope());
        assertArrayEquals("receipt m1".getBytes(UTF_8), stored.receipt());
        assertEquals(T0, stored.receivedAt());
        assertNull(stored.acknowledgedAt());
        assertArrayEquals(accepted.envelope(), stored.envelope());
        assertEquals(1, inbox.pendingMessages());
    }

    @Test
    void aDuplicateCarriesTheFirstEntryAndItsReceiptAndChangesNothing() {
        inbox.put(message("t1", "m1"));

        var again = inbox.put(new InboxMessage("t1", "m1", "000.00.00.G01", "other".getBytes(UTF_8),
                "other receipt".getBytes(UTF_8), T0.plusSeconds(9)));

        InboxEntry existing = (InboxEntry) assertInstanceOf(PutResult.Duplicate.class, again).existing();
        assertArrayEquals("receipt m1".getBytes(UTF_8), existing.receipt());
        assertArrayEquals("envelope m1".getBytes(UTF_8), inbox.get("t1", "m1").orElseThrow().envelope());
        assertEquals(1, inbox.pendingMessages());
        assertEquals(List.of("m1"), ids(inbox.pending("t1", 10)));
    }

    @Test
    void pendingListsOnlyTheTenantsOwnMessagesInArrivalOrder() {
        inbox.put(message("t1", "b"));
        inbox.put(message("t2", "x"));
        inbox.put(message("t1", "a"));
        inbox.put(message("t10", "y"));
        inbox.put(message("t1", "c"));

        assertEquals(List.of("b", "a", "c"), ids(inbox.pending("t1", 10)));
        assertEquals(List.of("b", "a"), ids(inbox.pending("t1", 2)));
        assertEquals(List.of("x"), ids(inbox.pending("t2", 10)));
        assertEquals(List.of("y"), ids(inbox.pending("t10", 10)));
        assertEquals(List.of(), inbox.pending("t", 10));
        assertTrue(inbox.get("t2", "b").isEmpty(), "another tenant's message is not found under this tenant");
    }

    @Test
    void anAcknowledgedMessageIsNoLongerPendingAndAcknowledgingAgainChangesNothing() {
        inbox.put(message("t1", "m1"));
        inbox.put(message("t1", "m2"));

        assertTrue(inbox.acknowledge("t1", "m1", T0.plusSeconds(5)));
        assertTrue(inbox.acknowledge("t1", "m1", T0.plusSeconds(6)));

        assertEquals(List.of("m2"), ids(inbox.pending("t1", 10)));
        assertEquals(T0.plusSeconds(5), inbox.get("t1", "m1").orElseThrow().acknowledgedAt());
        assertEquals(1, inbox.pendingMessages());
    }

    @Test
    void acknowledgingAnUnknownOrAnotherTenantsMessageIsRefused() {
        inbox.put(message("t1", "m1"));

        assertFalse(inbox.acknowledge("t2", "m1", T0));
        assertFalse(inbox.acknowledge("t1", "nope", T0));
        assertEquals(List.of("m1"), ids(inbox.pending("t1", 10)));
    }

    @Test
    void awaitPendingWakesWhenAMessageArrivesFromAnotherThread() throws Exception {
        CompletableFuture<List<InboxSummary>> poll = new CompletableFuture<>();
        Thread poller = Thread.ofVirtual().start(() -> {
            try {
                poll.complete(inbox.awaitPending("t1", 10, Duration.ofSeconds(30)));
            } catch (Throwable e) {
                poll.completeExceptionally(e);
            }
        });
        Thread.sleep(200);
        inbox.put(message("t2", "not for t1"));
        assertFalse(poll.isDone(), "another tenant's message does not end t1's poll");

        inbox.put(message("t1", "m1"));

        assertEquals(List.of("m1"), ids(poll.get(10, TimeUnit.SECONDS)));
        poller.join();
    }

    @Test
    void awaitPendingAnswersAtOnceWhenMessagesAreWaiting() throws Exception {
        inbox.put(message("t1", "m1"));

        assertEquals(List.of("m1"), ids(inbox.awaitPending("t1", 10, Duration.ofMinutes(5))));
    }

    @Test
    void awaitPendingReturnsAnEmptyListAtTheTimeout() throws Exception {
        inbox.put(message("t2", "m1"));

        long started = System.nanoTime();
        List<InboxSummary> entries = inbox.awaitPending("t1", 10, Duration.ofMillis(300));

        assertEquals(List.of(), entries);
        assertTrue(System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(300), "it waited");
    }

    @Test
    void aFetchedMessageIsHiddenUntilItsVisibilityTimeoutThenComesBackUnlessAcknowledged() {
        inbox.put(message("t1", "m1"));
        inbox.put(message("t1", "m2"));
        Duration visibility = Duration.ofSeconds(30);

        assertEquals("m1", inbox.fetch("t1", "m1", T0, visibility).orElseThrow().messageId());
        assertEquals(List.of("m2"), ids(inbox.visible("t1", 10, T0)));
        assertEquals(List.of("m2"), ids(inbox.visible("t1", 10, T0.plus(visibility).minusNanos(1))));
        assertEquals(List.of("m1", "m2"), ids(inbox.visible("t1", 10, T0.plus(visibility))), "back after the timeout");
        assertEquals(List.of("m1", "m2"), ids(inbox.pending("t1", 10)), "fetched or not, both are unacknowledged");

        inbox.fetch("t1", "m2", T0, visibility);
        assertTrue(inbox.release("t1", "m2"));
        assertEquals(List.of("m2"), ids(inbox.visible("t1", 10, T0)), "given back: visible at once");

        assertTrue(inbox.acknowledge("t1", "m1", T0));
        assertEquals(List.of("m2"), ids(inbox.visible("t1", 10, T0.plusSeconds(3600))), "acknowledged: gone");
        assertFalse(inbox.release("t1", "m1"));
        InboxEntry acknowledged = inbox.fetch("t1", "m1", T0.plusSeconds(3600), visibility).orElseThrow();
        assertArrayEquals("receipt m1".getBytes(UTF_8), acknowledged.receipt(), "its receipt stays");
        assertEquals(List.of("m2"), ids(inbox.visible("t1", 10, T0.plusSeconds(3600))));
        assertTrue(inbox.fetch("t1", "nope", T0, visibility).isEmpty());
        assertEquals(List.of(), storage.checkIntegrity());
    }

    @Test
    void aDuplicateOfAnAcknowledgedMessageIsAnsweredWithTheFirstReceiptAndNotQueuedAgain() {
        inbox.put(message("t1", "m1"));
        inbox.acknowledge("t1", "m1", T0);
        InboxMessage again = new InboxMessage("t1", "m1", "000.00.00.G01", "envelope m1".getBytes(UTF_8),
                "another receipt".getBytes(UTF_8), T0.plusSeconds(9));

        var duplicate = assertInstanceOf(PutResult.Duplicate.class, inbox.put(again));

        assertArrayEquals("receipt m1".getBytes(UTF_8), ((InboxEntry) duplicate.existing()).receipt());
        assertEquals(List.of(), inbox.visible("t1", 10, T0.plusSeconds(3600)));
        assertEquals(0, inbox.depth().total());
    }

    @Test
    void anotherSendersMessageUnderTheSameIdIsAnotherMessageAddressedApart() {
        inbox.put(message("t1", "m1"));
        InboxMessage collision = new InboxMessage("t1", "m1", "000.00.00.G02", "other envelope".getBytes(UTF_8),
                "other receipt".getBytes(UTF_8), T0.plusSeconds(1));

        InboxEntry second = (InboxEntry) assertInstanceOf(PutResult.Accepted.class, inbox.put(collision)).entry();

        assertEquals("m1~000.00.00.G02", second.id());
        assertEquals("000.00.00.G01", inbox.get("t1", "m1").orElseThrow().sender());
        assertArrayEquals("other envelope".getBytes(UTF_8), inbox.get("t1", second.id()).orElseThrow().envelope());
        assertEquals(second.id(), inbox.received("t1", "000.00.00.G02", "m1").orElseThrow().id());
        assertEquals(List.of("m1", "m1~000.00.00.G02"), inbox.pending("t1", 10).stream().map(InboxSummary::id).toList());
        var again = assertInstanceOf(PutResult.Duplicate.class, inbox.put(new InboxMessage("t1", "m1",
                "000.00.00.G02", "other envelope".getBytes(UTF_8), "a new receipt".getBytes(UTF_8), T0.plusSeconds(2))));
        assertArrayEquals("other receipt".getBytes(UTF_8), ((InboxEntry) again.existing()).receipt(),
                "the same sender's resend is answered with its first receipt");
        assertTrue(inbox.acknowledge("t1", second.id(), T0));
        assertEquals(List.of("m1"), ids(inbox.pending("t1", 10)));
        assertEquals(List.of(), storage.checkIntegrity());
    }

    @Test
    void listsFromTheIndexRecordWithTypeAndSize() {
        Instant created = T0.minusSeconds(60);
        inbox.put(new InboxMessage("t1", "m1", "000.00.00.G01", new byte[1234], new byte[10], T0,
                "application/edxml+xml", "status", created));

        InboxSummary listed = inbox.pending("t1", 10).getFirst();

        assertEquals(new InboxSummary("t1", "m1", "m1", "000.00.00.G01", T0, "application/edxml+xml", "status",
                created, 1234, null), listed);
        assertEquals(listed, inbox.summary("t1", "m1").orElseThrow());
    }

    @Test
    void aListingOfManyLargeMessagesReadsNoBody() {
        int count = 20;
        byte[] large = new byte[2 * 1024 * 1024];
        for (int i = 0; i < count; i++) {
            inbox.put(new InboxMessage("t1", "large-" + i, "000.00.00.G01", large, new byte[16], T0));
        }
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().threadId();
        inbox.visible("t1", 1000, T0); // warm up: classes loaded, buffers made
        long before = threads.getThreadAllocatedBytes(id);

        List<InboxSummary> listed = inbox.visible("t1", 1000, T0);

        long allocated = threads.getThreadAllocatedBytes(id) - before;
        assertEquals(count, listed.size());
        assertTrue(listed.stream().allMatch(s -> s.size() == large.length));
        // 20 bodies of 2 MiB would be 40 MiB on the heap; one alone is 2 MiB.
        assertTrue(allocated < 1024 * 1024, "listing allocated " + allocated + " bytes");
    }

    @Test
    void aQuotaCountsWhatIsUnacknowledgedAndAnAcknowledgementFreesIt() {
        assertTrue(inbox.putWithin(message("t1", "m1"), 2, 0).isPresent());
        assertTrue(inbox.putWithin(message("t1", "m2"), 2, 0).isPresent());
        assertTrue(inbox.putWithin(message("t1", "m3"), 2, 0).isEmpty(), "over two documents");
        assertTrue(inbox.putWithin(message("t2", "m3"), 2, 0).isPresent(), "another tenant's quota is its own");
        assertInstanceOf(PutResult.Duplicate.class, inbox.putWithin(message("t1", "m1"), 2, 0).orElseThrow(),
                "a resend is answered whatever the quota");
        assertEquals(new TenantUsage(2, "envelope m1".length() + "envelope m2".length()), inbox.usage("t1"));

        inbox.acknowledge("t1", "m1", T0);
        inbox.acknowledge("t1", "m1", T0);

        assertEquals(new TenantUsage(1, "envelope m2".length()), inbox.usage("t1"));
        assertTrue(inbox.putWithin(message("t1", "m3"), 2, 0).isPresent());
        assertTrue(inbox.putWithin(message("t1", "m4"), 0, "envelope m2".length() * 2L).isEmpty(), "over the bytes");
        assertEquals(List.of(), storage.checkIntegrity());
    }
}
