package vn.lienthong.appliance.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The operations port: Prometheus metrics at {@code /metrics}, liveness at {@code /health/live}
 * and readiness at {@code /health/ready} (503 while the HSM token or the store does not answer).
 */
public final class Operations {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ApplianceMetrics metrics;
    private final Map<String, BooleanSupplier> readinessChecks;

    private final java.util.function.Supplier<java.util.List<String>> warnings;

    /** @param readinessChecks named checks, all of which must pass for the appliance to be ready */
    public Operations(ApplianceMetrics metrics, Map<String, BooleanSupplier> readinessChecks) {
        this(metrics, readinessChecks, java.util.List::of);
    }

    /**
     * @param warnings sentences for the operator that do not make the appliance unready (a certificate
     *                 expiring within 30 days), listed under {@code warnings} in {@code /health/ready}
     */
    public Operations(ApplianceMetrics metrics, Map<String, BooleanSupplier> readinessChecks,
                      java.util.function.Supplier<java.util.List<String>> warnings) {
        this.metrics = metrics;
        this.readinessChecks = new LinkedHashMap<>(readinessChecks);
        this.warnings = warnings;
    }

    public void routing(HttpRouting.Builder routing) {
        routing.get("/metrics", (req, res) -> res.header(HeaderNames.CONTENT_TYPE, metrics.contentType())
                        .send(metrics.scrape()))
                .get("/health/live", (req, res) -> health(res, true, Map.of(), java.util.List.of()))
                .get("/health/ready", (req, res) -> {
                    Map<String, Boolean> checks = new LinkedHashMap<>();
                    readinessChecks.forEach((name, check) -> checks.put(name, safely(check)));
                    java.util.List<String> now;
                    try {
                        now = warnings.get();
                    } catch (RuntimeException e) {
                        now = java.util.List.of("warnings could not be computed: " + e.getMessage());
                    }
                    health(res, checks.values().stream().allMatch(Boolean::booleanValue), checks, now);
                });
    }

    private static boolean safely(BooleanSupplier check) {
        try {
            return check.getAsBoolean();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static void health(ServerResponse res, boolean up, Map<String, Boolean> checks,
                               java.util.List<String> warnings) {
        ObjectNode body = JSON.createObjectNode();
        body.put("status", up ? "UP" : "DOWN");
        if (!warnings.isEmpty()) {
            warnings.forEach(body.putArray("warnings")::add);
        }
        if (!checks.isEmpty()) {
            ObjectNode details = body.putObject("checks");
            checks.forEach((name, ok) -> details.put(name, ok ? "UP" : "DOWN"));
        }
        res.status(up ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503)
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .send(body.toString());
    }
}
