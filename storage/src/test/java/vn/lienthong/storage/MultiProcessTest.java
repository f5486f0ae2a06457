package vn.lienthong.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.storage.queue.OutboxMessage;

/** The service and the operator CLI share one environment: what one process writes, the other reads. */
class MultiProcessTest {

    private static final long MAP_SIZE = 16L * 1024 * 1024;

    @TempDir
    Path directory;

    private static void runChild(String... args) throws Exception {
        Process child = ChildJvm.start(args);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child process finished");
        String out = new String(child.getInputStream().readAllBytes(), UTF_8);
        assertEquals(0, child.exitValue(), "child output: " + out);
        assertEquals("done", out.strip());
    }

    @Test
    void aRegistryRecordWrittenByAnotherProcessIsSeenWithoutReopening() throws Exception {
        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            storage.registry().put("tenant", "mine", "parent".getBytes(UTF_8));
            assertTrue(storage.registry().get("tenant", "cli").isEmpty());

            runChild("registry-put", directory.toString(), Long.toString(MAP_SIZE), "tenant", "cli", "from the CLI");

            assertArrayEquals("from the CLI".getBytes(UTF_8), storage.registry().get("tenant", "cli").orElseThrow());
            assertEquals(2, storage.registry().list("tenant").size());
            storage.registry().put("tenant", "after", "parent again".getBytes(UTF_8));
        }
    }

    @Test
    void outgoingMessagesPutByTwoProcessesInTurnAreAllKeptWhole() throws Exception {
        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            storage.outbox().put(new OutboxMessage("t", "parent-1", List.of("G01"), "envelope parent-1".getBytes(UTF_8),
                    Instant.now()));

            // The child appends records after this process's last one: its next append must go after them.
            runChild("outbox-put", directory.toString(), Long.toString(MAP_SIZE), "t", "child-1,child-2,child-3");
            storage.outbox().put(new OutboxMessage("t", "parent-2", List.of("G01"), "envelope parent-2".getBytes(UTF_8),
                    Instant.now()));

            for (String id : List.of("parent-1", "child-1", "child-2", "child-3", "parent-2")) {
                assertArrayEquals(("envelope " + id).getBytes(UTF_8),
                        storage.outbox().get("t", id).orElseThrow().envelope(), id);
            }
            assertEquals(5, storage.outbox().pendingDeliveries());
            assertEquals(List.of(), storage.checkIntegrity());
        }
    }

    @Test
    void aMapGrownByAnotherProcessIsAdoptedForReadsAndWrites() throws Exception {
        try (Storage storage = Storage.open(directory, 512 * 1024)) {
            storage.registry().put("small", "a", new byte[10]);

            // The child maps 64 MiB and writes ~2.5 MiB: past the end of this process's 512 KiB map.
            runChild("registry-fill", directory.toString(), Long.toString(64L * 1024 * 1024), "40");

            assertArrayEquals("written after the others".getBytes(UTF_8),
                    storage.registry().get("bulk", "last").orElseThrow());
            assertEquals(41, storage.registry().list("bulk").size());
            storage.registry().put("small", "b", new byte[10]);
            assertEquals(2, storage.registry().list("small").size());
            assertTrue(storage.mapUsage().mapSizeBytes() >= 64L * 1024 * 1024);
        }
    }
}
