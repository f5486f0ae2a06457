package vn.lienthong.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.storage.queue.Delivery;
import vn.lienthong.storage.queue.DeliveryStatus;
import vn.lienthong.storage.queue.InboxEntry;
import vn.lienthong.storage.queue.OutboxEntry;

/**
 * A child JVM enqueues, leases, delivers, dead-letters, fetches and acknowledges under load and is
 * killed with SIGKILL at a random moment, round after round on the same directory: after each
 * restart every write the child had seen return is there, nothing is half-written and the queues'
 * invariants hold.
 */
class QueueCrashTest {

    private static final long MAP_SIZE = 256L * 1024 * 1024;
    private static final int ROUNDS = 20;

    @TempDir
    Path directory;

    @Test
    void everyAnsweredWriteSurvivesTwentySigkillsAndTheQueuesStaySound() throws Exception {
        Random random = new Random();
        long seed = random.nextLong();
        random.setSeed(seed);
        List<String> everything = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            List<String> lines = runAndKill("r" + round, random);
            assertTrue(!lines.isEmpty(), "round " + round + ": the child wrote before it was killed (seed " + seed + ")");
            everything.addAll(lines);
            try (Storage storage = Storage.open(directory, MAP_SIZE)) {
                assertEquals(List.of(), storage.checkIntegrity(), "round " + round + " (seed " + seed + ")");
                assertAnsweredWritesPresent(storage, everything, "round " + round + " (seed " + seed + ")");
            }
        }
    }

    /** Starts the child, kills it 0-400 ms after its first answered write, returns the complete lines it printed. */
    private List<String> runAndKill(String round, Random random) throws IOException, InterruptedException {
        return collect(ChildJvm.start("queue-load", directory.toString(), Long.toString(MAP_SIZE), round), round,
                random);
    }

    private static List<String> collect(Process child, String round, Random random) throws InterruptedException {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Thread reader = Thread.ofPlatform().start(() -> {
            byte[] chunk = new byte[8192];
            try (InputStream out = child.getInputStream()) {
                for (int n; (n = out.read(chunk)) >= 0; ) {
                    synchronized (printed) {
                        printed.write(chunk, 0, n);
                    }
                }
            } catch (IOException e) {
                // The pipe closes when the child dies.
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (size(printed) == 0 && System.nanoTime() < deadline && child.isAlive()) {
            Thread.sleep(5);
        }
        Thread.sleep(random.nextInt(400));
        assertTrue(child.isAlive(), "the child of " + round + " stopped by itself (see its stderr)");
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child of " + round + " did not die");
        reader.join(10_000);
        String text;
        synchronized (printed) {
            text = printed.toString(UTF_8);
        }
        // Only lines ended by a newline: a line cut by the kill is no promise.
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        lines.removeLast();
        return lines.stream().filter(l -> !l.isBlank()).toList();
    }

    private static int size(ByteArrayOutputStream bytes) {
        synchronized (bytes) {
            return bytes.size();
        }
    }

    private static void assertAnsweredWritesPresent(Storage storage, List<String> lines, String where) {
        for (String line : lines) {
            String[] parts = line.split(" ");
            String id = parts[1];
            switch (parts[0]) {
                case "O" -> {
                    OutboxEntry entry = storage.outbox().get("crash", id)
                            .orElseThrow(() -> new AssertionError(where + ": outgoing " + id + " lost"));
                    assertArrayEquals(("envelope " + id).getBytes(UTF_8), entry.envelope(), where);
                }
                case "I" -> {
                    InboxEntry entry = storage.inbox().get("crash", id)
                            .orElseThrow(() -> new AssertionError(where + ": incoming " + id + " lost"));
                    assertArrayEquals(("envelope " + id).getBytes(UTF_8), entry.envelope(), where);
                    assertArrayEquals(("receipt " + id).getBytes(UTF_8), entry.receipt(), where);
                }
                case "A" -> assertTrue(storage.inbox().get("crash", id).orElseThrow().acknowledged(),
                        where + ": acknowledgement of " + id + " lost");
                case "D" -> {
                    Delivery d = delivery(storage, id, parts[2]);
                    assertEquals(DeliveryStatus.DELIVERED, d.status(), where + ": delivery of " + id);
                    assertArrayEquals(("receipt " + id).getBytes(UTF_8), d.receipt(), where);
                }
                case "F" -> {
                    Delivery d = delivery(storage, id, parts[2]);
                    assertEquals(DeliveryStatus.FAILED, d.status(), where + ": dead letter " + id);
                    assertEquals("refused by test", d.lastError(), where);
                }
                default -> throw new AssertionError(where + ": the child printed " + line);
            }
        }
    }

    private static Delivery delivery(Storage storage, String id, String recipient) {
        return storage.outbox().get("crash", id).orElseThrow().deliveries().stream()
                .filter(d -> d.recipient().equals(recipient)).findFirst().orElseThrow();
    }
}
