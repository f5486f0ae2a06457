package vn.lienthong.bench.fairness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code bench fairness} on a small backlog in a real LMDB outbox writes fairness.json with every probe. */
class FairnessCommandTest {

    @TempDir
    Path dir;

    @Test
    void anotherTenantsDocumentsAreDeliveredLongBeforeTheBacklogAndEachProbeIsReported() throws Exception {
        int exit = new CommandLine(new FairnessCommand()).execute("--backlog", "2000", "--probes", "3",
                "--workers", "1", "--delivery-time", "2ms", "--dir", dir.toString());
        assertEquals(0, exit);
        JsonNode report = new ObjectMapper().readTree(dir.resolve("fairness.json").toFile());
        assertEquals(3, report.path("probes").size());
        for (JsonNode probe : report.path("probes")) {
            // One worker: the delivery in flight when B arrived (or leased while B's put committed), then B's turn.
            assertTrue(probe.path("deliveriesBefore").asLong() <= 2, probe.toString());
            assertTrue(probe.path("backlogLeft").asLong() > 100, "B arrived with much of A's backlog left: " + probe);
        }
    }
}
