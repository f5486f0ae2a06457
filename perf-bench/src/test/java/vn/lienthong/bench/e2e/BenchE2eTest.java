package vn.lienthong.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code bench e2e} with a tiny load against two real appliances (child processes, SoftHSM2 tokens,
 * LMDB stores, mutual TLS) writes both reports. Only their shape is checked, never a speed.
 */
class BenchE2eTest {

    @TempDir
    Path dir;

    @Test
    void aShortRunWithTwoClientsWritesReportJsonWithEveryFigureAndReportHtmlWithCharts() throws Exception {
        int exit = new CommandLine(new E2eCommand()).execute("--clients", "2", "--duration", "3s", "--warmup", "1s",
                "--warmup-max", "1s", "--baseline-time", "300ms", "--drain", "20s", "--dir", dir.toString());
        assertEquals(0, exit);

        JsonNode report = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
        for (String field : List.of("run", "baselines", "results", "tlsRatios", "tlsDefault", "doneWhen")) {
            assertTrue(report.has(field), "report.json has " + field);
        }
        assertEquals("closed loop", report.path("run").path("mode").asText());
        JsonNode baselines = report.path("baselines");
        assertTrue(baselines.path("hsm").path("perSecond").asDouble() > 0, "a raw HSM rate was measured");
        assertEquals(2, baselines.path("lmdb").size(), "LMDB at 1 and 100 puts per transaction");
        assertEquals(4, baselines.path("tls").size(), "two TLS engines by two certificate kinds");

        JsonNode point = report.path("results").get(0);
        assertEquals(2, point.path("clients").asInt());
        assertTrue(point.path("accepted").asLong() > 0, "documents were accepted while measuring");
        for (String latency : List.of("accept", "delivery")) {
            for (String p : List.of("p50", "p90", "p99", "p999", "max")) {
                assertTrue(point.path(latency).has(p), latency + " latency has " + p);
            }
        }
        for (String field : List.of("warmupSeconds", "acceptedPerSecond", "deliveredPerSecond", "cpu", "heapMiB",
                "appliance", "ratios", "timeline", "percentiles", "errors")) {
            assertTrue(point.has(field), "the result has " + field);
        }
        assertTrue(point.path("ratios").has("acceptedOverRawHsmSign"));
        assertTrue(point.path("cpu").has("senderJitCoresBusy"), "the JIT's share of the window is reported");
        assertTrue(point.path("timeline").size() >= 2, "one timeline entry per measured second");
        assertTrue(point.path("heapMiB").path("senderIdle").asDouble() > 0, "heap read from the sender's /metrics");

        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("<svg"), "charts are drawn inline");
        assertTrue(html.contains("throughput over time") && html.contains("latency by percentile"));
        assertTrue(!html.contains("http://") && !html.contains("https://") || !html.contains("<script src"),
                "nothing is fetched when the page is viewed");
    }
}
