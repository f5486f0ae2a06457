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
 * {@code bench e2e --scale-tenants 3}: a one-tenant pair and a three-tenant pair (bulk provisioning) of
 * real appliances in one run, each reporting start-up, memory and throughput. Only the shape of the
 * reports is checked, never a speed.
 */
class BenchScaleTest {

    @TempDir
    Path dir;

    @Test
    void aScaleRunReportsBothConfigurationsAndTheRatiosOfTheManyTenantPairToTheSingleTenantOne() throws Exception {
        int exit = new CommandLine(new E2eCommand()).execute("--scale-tenants", "3", "--scale-sample", "2",
                "--clients", "2", "--duration", "2s", "--warmup", "1s", "--warmup-max", "1s", "--baseline-time", "200ms",
                "--drain", "10s",
                "--keys", "ec", "--dir", dir.toString());
        assertEquals(0, exit);

        JsonNode report = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
        assertEquals(3, report.path("results").size(), "single tenant; 1 of 3; spread over 2 of 3");
        JsonNode scale = report.path("scale");
        assertEquals(3, scale.path("tenants").asInt());
        JsonNode configurations = scale.path("configurations");
        assertEquals(List.of("one-tenant", "3-tenants"), List.of(configurations.get(0).path("name").asText(),
                configurations.get(1).path("name").asText()));
        for (JsonNode c : configurations) {
            for (String side : List.of("sender", "receiver")) {
                assertTrue(c.path("startupSeconds").path(side).asDouble() > 0, side + " start-up timed");
                assertTrue(c.path("idleHeapMiB").path(side).asDouble() > 0, side + " idle heap read");
                assertTrue(c.path("idleRssMiB").path(side).asDouble() > 0, side + " RSS read from /proc");
                assertTrue(c.path("metricSamples").path(side).asDouble() > 0, side + " metric samples counted");
            }
        }
        assertEquals(List.of(1, 1, 2), List.of(scale.path("loads").get(0).path("loadedTenants").asInt(),
                scale.path("loads").get(1).path("loadedTenants").asInt(),
                scale.path("loads").get(2).path("loadedTenants").asInt()));
        for (String ratio : List.of("acceptedSampleOverSingle", "deliveredFlowSampleOverSingle",
                "acceptedOneOfManyOverSingle", "senderStartupManyOverSingle", "senderIdleRssManyOverSingle")) {
            assertTrue(scale.path("ratios").has(ratio), "ratio " + ratio);
        }
        // Shape only: on a loaded machine a 2 s window may see no answer at all.
        assertEquals(2, report.path("results").get(2).path("clients").asInt());
        assertTrue(report.path("results").get(2).has("acceptedPerSecond"));
        assertTrue(Files.readString(dir.resolve("report.html")).contains("Scale: 3 tenants per appliance"));
    }
}
