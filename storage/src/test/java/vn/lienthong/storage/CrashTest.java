package vn.lienthong.storage;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.storage.queue.DeliveryStatus;
import vn.lienthong.storage.queue.OutboxEntry;

/** A process killed mid-write loses nothing it had answered for. */
class CrashTest {

    private static final long MAP_SIZE = 64L * 1024 * 1024;
    private static final int IDS_BEFORE_KILL = 300;

    @TempDir
    Path directory;

    @Test
    void everyPutThatReturnedBeforeAKillIsStoredAfterRestart() throws Exception {
        Process child = ChildJvm.start("outbox-flood", directory.toString(), Long.toString(MAP_SIZE), "4");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        InputStream out = child.getInputStream();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        byte[] chunk = new byte[4096];
        while (countLines(printed) < IDS_BEFORE_KILL && System.nanoTime() < deadline) {
            int n = out.read(chunk);
            if (n < 0) {
                break;
            }
            printed.write(chunk, 0, n);
        }
        // SIGKILL while the putters are mid-commit. It also closes our end of the pipe: we judge by
        // the ids read so far, each printed only after its put() returned.
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));

        List<String> ids = completeLines(printed.toString(UTF_8));
        assertTrue(ids.size() >= IDS_BEFORE_KILL, "the child printed " + ids.size() + " ids before it was killed");

        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            for (String id : ids) {
                OutboxEntry entry = storage.outbox().get("crash", id).orElseThrow(() -> new AssertionError(id + " lost"));
                assertEquals("envelope " + id, new String(entry.envelope(), UTF_8));
                assertEquals(DeliveryStatus.PENDING, entry.deliveries().getFirst().status());
            }
            assertTrue(storage.outbox().pendingDeliveries() >= ids.size());
            assertTrue(storage.isHealthy());
        }
    }

    private static int countLines(ByteArrayOutputStream bytes) {
        int lines = 0;
        for (byte b : bytes.toByteArray()) {
            lines += b == '\n' ? 1 : 0;
        }
        return lines;
    }

    /** Only lines ended by a newline: a line cut by the kill may be a prefix of another id. */
    private static List<String> completeLines(String text) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        lines.removeLast();
        return lines.stream().filter(l -> !l.isBlank()).toList();
    }
}
