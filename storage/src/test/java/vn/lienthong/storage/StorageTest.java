package vn.lienthong.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.storage.queue.OutboxEntry;
import vn.lienthong.storage.queue.OutboxMessage;
import vn.lienthong.storage.queue.PutResult;

class StorageTest {

    private static final long MAP_SIZE = 64L * 1024 * 1024;

    @TempDir
    Path directory;

    private static OutboxMessage message(String tenant, String id) {
        return new OutboxMessage(tenant, id, List.of("G01"), ("envelope " + id).getBytes(UTF_8), Instant.now());
    }

    @Test
    void manyConcurrentPuttersAreAllDurableAndDistinct() throws Exception {
        int threads = 16;
        int perThread = 200;
        ConcurrentLinkedQueue<Integer> groupSizes = new ConcurrentLinkedQueue<>();
        try (Storage storage = Storage.open(directory, MAP_SIZE, (writes, took) -> groupSizes.add(writes));
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String tenant = "tenant-" + (t % 4);
                int thread = t;
                results.add(pool.submit(() -> {
                    start.await();
                    int accepted = 0;
                    for (int i = 0; i < perThread; i++) {
                        var result = storage.outbox().put(message(tenant, "m-" + thread + "-" + i));
                        accepted += result instanceof PutResult.Accepted ? 1 : 0;
                    }
                    return accepted;
                }));
            }
            start.countDown();
            int accepted = 0;
            for (Future<Integer> result : results) {
                accepted += result.get(60, TimeUnit.SECONDS);
            }
            assertEquals(threads * perThread, accepted);
        }
        int committedWrites = groupSizes.stream().mapToInt(Integer::intValue).sum();
        assertTrue(committedWrites >= threads * perThread, "every put was reported committed");

        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            assertEquals(threads * perThread, storage.outbox().pendingDeliveries());
            Set<String> ids = new HashSet<>();
            for (int t = 0; t < threads; t++) {
                for (int i = 0; i < perThread; i++) {
                    String id = "m-" + t + "-" + i;
                    var entry = storage.outbox().get("tenant-" + (t % 4), id).orElseThrow();
                    assertEquals("envelope " + id, new String(entry.envelope(), UTF_8));
                    ids.add(entry.messageId());
                }
            }
            assertEquals(threads * perThread, ids.size());
        }
    }

    @Test
    void ofManyConcurrentPutsOfOneMessageIdExactlyOneIsAccepted() throws Exception {
        try (Storage storage = Storage.open(directory, MAP_SIZE);
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<PutResult<?>>> results = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return storage.outbox().put(message("t", "same"));
                }));
            }
            start.countDown();
            int accepted = 0;
            for (Future<PutResult<?>> result : results) {
                accepted += result.get(30, TimeUnit.SECONDS) instanceof PutResult.Accepted ? 1 : 0;
            }
            assertEquals(1, accepted);
            assertEquals(1, storage.outbox().pendingDeliveries());
        }
    }

    @Test
    void writesWaitingTogetherAreCommittedInOneTransaction() throws Exception {
        CountDownLatch firstCommitHeld = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ConcurrentLinkedQueue<Integer> groupSizes = new ConcurrentLinkedQueue<>();
        CommitListener listener = (writes, took) -> {
            groupSizes.add(writes);
            if (groupSizes.size() == 2) {
                // Hold the writer after the first put so that the next ones queue up behind it.
                firstCommitHeld.countDown();
                awaitQuietly(release);
            }
        };
        try (Storage storage = Storage.open(directory, MAP_SIZE, listener);
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<PutResult<OutboxEntry>>> waiting = eightPutsQueuedBehindTheWriter(storage, pool,
                    firstCommitHeld, release);
            for (Future<?> f : waiting) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertEquals(9, storage.outbox().pendingDeliveries());
        }
        List<Integer> sizes = List.copyOf(groupSizes);
        assertEquals(List.of(1, 1, 8), sizes.subList(0, 3), "the eight waiting puts shared one commit: " + sizes);
    }

    @Test
    void theWriterGoesOnWhileALargeGroupOfPlatformThreadsIsAnswered() throws Exception {
        CountDownLatch writerHeld = new CountDownLatch(1);
        CountDownLatch releaseWriter = new CountDownLatch(1);
        CountDownLatch largeGroupAnswering = new CountDownLatch(1);
        CountDownLatch releaseAnswers = new CountDownLatch(1);
        AtomicInteger commits = new AtomicInteger();
        CommitListener listener = (writes, took) -> {
            if (commits.incrementAndGet() == 2) {
                // A group of one is answered by the writer: holding it here lets the next puts queue up.
                writerHeld.countDown();
                awaitQuietly(releaseWriter);
            } else if (writes > 2) {
                // Answering the large group stalls here; the writer must not be the one stalled.
                largeGroupAnswering.countDown();
                awaitQuietly(releaseAnswers);
            }
        };
        // Platform threads: a group of them is woken by the answering thread.
        try (Storage storage = Storage.open(directory, MAP_SIZE, listener);
             ExecutorService pool = Executors.newCachedThreadPool()) {
            List<Future<PutResult<OutboxEntry>>> large = eightPutsQueuedBehindTheWriter(storage, pool, writerHeld,
                    releaseWriter);
            assertTrue(largeGroupAnswering.await(30, TimeUnit.SECONDS), "the eight puts were committed as one group");

            // While that group's callers wait for their answers, a new write is committed and answered.
            Future<PutResult<OutboxEntry>> after = pool.submit(() -> storage.outbox().put(message("t", "after")));
            assertInstanceOf(PutResult.Accepted.class, after.get(30, TimeUnit.SECONDS));
            assertFalse(large.getFirst().isDone(), "the large group is still being answered");
            releaseAnswers.countDown();
            for (Future<PutResult<OutboxEntry>> f : large) {
                assertInstanceOf(PutResult.Accepted.class, f.get(30, TimeUnit.SECONDS));
            }
            assertEquals(10, storage.outbox().pendingDeliveries());
        }
    }

    @Test
    void aLargeGroupOfVirtualThreadsIsAnsweredByTheWriterItself() throws Exception {
        CountDownLatch writerHeld = new CountDownLatch(1);
        CountDownLatch releaseWriter = new CountDownLatch(1);
        AtomicInteger commits = new AtomicInteger();
        ConcurrentLinkedQueue<String> answeredOn = new ConcurrentLinkedQueue<>();
        CommitListener listener = (writes, took) -> {
            if (commits.incrementAndGet() == 2) {
                writerHeld.countDown();
                awaitQuietly(releaseWriter);
            } else if (writes > 2) {
                answeredOn.add(Thread.currentThread().getName());
            }
        };
        try (Storage storage = Storage.open(directory, MAP_SIZE, listener);
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Future<PutResult<OutboxEntry>> f : eightPutsQueuedBehindTheWriter(storage, pool, writerHeld,
                    releaseWriter)) {
                assertInstanceOf(PutResult.Accepted.class, f.get(30, TimeUnit.SECONDS));
            }
        }
        // Waking a virtual thread is cheaper than handing the group over to the answering thread.
        assertEquals(1, answeredOn.size(), "the eight puts were committed as one group: " + answeredOn);
        assertTrue(answeredOn.peek().startsWith("lmdb-writer"), "answered on " + answeredOn.peek());
    }

    /**
     * Puts a warm-up record and one message, whose commit the listener holds (it counts down
     * {@code held} and waits for {@code release}); queues eight puts behind it, then releases it.
     * Returns the eight, which the writer then takes as one group.
     */
    private static List<Future<PutResult<OutboxEntry>>> eightPutsQueuedBehindTheWriter(
            Storage storage, ExecutorService pool, CountDownLatch held, CountDownLatch release) throws Exception {
        storage.registry().put("k", "warm-up", new byte[1]);
        Future<?> first = pool.submit(() -> storage.outbox().put(message("t", "first")));
        assertTrue(held.await(30, TimeUnit.SECONDS));
        List<Future<PutResult<OutboxEntry>>> queued = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String id = "queued-" + i;
            queued.add(pool.submit(() -> storage.outbox().put(message("t", id))));
        }
        Thread.sleep(300); // lets all eight reach the writer's queue
        release.countDown();
        first.get(30, TimeUnit.SECONDS);
        return queued;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void reportsHealthAndMapUsageWhileOpenAndRefusesUseAfterClose() {
        Storage storage = Storage.open(directory, MAP_SIZE);
        assertTrue(storage.isHealthy());
        MapUsage before = storage.mapUsage();
        assertEquals(MAP_SIZE, before.mapSizeBytes());
        assertTrue(before.usedBytes() > 0 && before.usedBytes() < MAP_SIZE);

        for (int i = 0; i < 20; i++) {
            storage.outbox().put(new OutboxMessage("t", "big-" + i, List.of("G01"), new byte[64 * 1024], Instant.now()));
        }
        assertTrue(storage.mapUsage().usedBytes() >= before.usedBytes() + 20 * 64 * 1024);

        storage.close();
        assertFalse(storage.isHealthy());
        assertThrows(IllegalStateException.class, () -> storage.outbox().put(message("t", "late")));
        assertThrows(IllegalStateException.class, () -> storage.outbox().get("t", "big-1"));
        storage.close();
    }

    @Test
    void theSameDirectoryIsOpenedOnlyOncePerProcess() {
        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> Storage.open(directory.resolve("..").resolve(directory.getFileName()), MAP_SIZE));
            assertTrue(refused.getMessage().contains("already open"), refused.getMessage());
            storage.registry().put("k", "still", new byte[] {1});
            assertTrue(storage.isHealthy());
        }
        try (Storage again = Storage.open(directory, MAP_SIZE)) {
            assertTrue(again.registry().get("k", "still").isPresent());
        }
    }

    @Test
    void closeCommitsThePutsAlreadyWaiting() throws Exception {
        int puts = 50;
        List<Future<PutResult<?>>> results = new ArrayList<>();
        Storage storage = Storage.open(directory, MAP_SIZE);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch started = new CountDownLatch(puts);
            for (int i = 0; i < puts; i++) {
                String id = "m" + i;
                results.add(pool.submit(() -> {
                    started.countDown();
                    return storage.outbox().put(message("t", id));
                }));
            }
            started.await();
            storage.close();
        }
        Set<String> answered = new HashSet<>();
        for (int i = 0; i < puts; i++) {
            try {
                assertInstanceOf(PutResult.Accepted.class, results.get(i).get());
                answered.add("m" + i);
            } catch (java.util.concurrent.ExecutionException e) {
                assertInstanceOf(IllegalStateException.class, e.getCause(), "a put after close is refused, not lost");
            }
        }
        try (Storage reopened = Storage.open(directory, MAP_SIZE)) {
            for (String id : answered) {
                assertTrue(reopened.outbox().get("t", id).isPresent(), id + " was accepted, so it is stored");
            }
            assertEquals(answered.size(), reopened.outbox().pendingDeliveries());
        }
    }

    @Test
    void aLeaseIsNeverHandedToTwoConcurrentLeasers() throws Exception {
        int messages = 100;
        try (Storage storage = Storage.open(directory, MAP_SIZE);
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
            for (int i = 0; i < messages; i++) {
                storage.outbox().put(new OutboxMessage("t", "m" + i, List.of("G01"), new byte[10], t0));
            }
            ConcurrentLinkedQueue<String> leased = new ConcurrentLinkedQueue<>();
            List<Future<?>> leasers = new ArrayList<>();
            for (int l = 0; l < 8; l++) {
                leasers.add(pool.submit(() -> {
                    while (true) {
                        var lease = storage.outbox().leaseNextDue(t0.plusSeconds(1), Duration.ofMinutes(5));
                        if (lease.isEmpty()) {
                            return;
                        }
                        leased.add(lease.get().messageId());
                    }
                }));
            }
            for (Future<?> leaser : leasers) {
                leaser.get(60, TimeUnit.SECONDS);
            }
            assertEquals(messages, leased.size());
            assertEquals(messages, new HashSet<>(leased).size());
        }
    }
}
