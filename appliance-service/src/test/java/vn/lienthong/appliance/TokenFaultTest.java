package vn.lienthong.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.appliance.demo.ApplianceSetup;
import vn.lienthong.appliance.demo.ApplianceSetup.TenantSpec;
import vn.lienthong.appliance.demo.DemoCa;
import vn.lienthong.appliance.demo.DocumentSystemClient;
import vn.lienthong.appliance.demo.DocumentSystemClient.Answer;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.testing.TokenFaults;

/**
 * A real appliance on a real SoftHSM2 token whose tenant signatures fail mid-run: a fault injected
 * at the adapter's boundary (every operation and every reopening fails with a device error until
 * the token is "back"). The TLS key keeps working, as it would on a second token.
 */
class TokenFaultTest {

    static final String G22 = TwoAppliancesTest.G22;
    static final String H41 = TwoAppliancesTest.H41;

    @TempDir
    static Path dir;
    static SoftHsmTestToken token;
    static TestAppliance appliance;
    static DocumentSystemClient g22;
    static final TokenFaults faults = new TokenFaults();
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startAnApplianceWithAFaultyToken() throws Exception {
        token = SoftHsmTestToken.create("faulty");
        DemoCa ca = DemoCa.create("test CA");
        Path root = Files.writeString(dir.resolve("root.pem"), DemoCa.pem(ca.root()));
        appliance = TestAppliance.provision("a", dir, token, ca, root, List.of(new TenantSpec(G22, "Văn phòng Chính phủ",
                "rsa2048")));
        // A recipient in the directory; nobody listens there, so deliveries just wait.
        Path directory = Files.writeString(dir.resolve("directory.json"), ApplianceSetup.directoryJson(List.of(
                new ApplianceSetup.Route(H41, "https://127.0.0.1:9", appliance.setup.tlsCertificateSha256()))));
        TestAppliance.cli(appliance.config, List.of("directory", "import", directory.toString()));
        appliance.start(faults, faults);
        g22 = appliance.documentSystem(G22, ca);
    }

    @AfterAll
    static void stop() {
        g22.close();
        appliance.close();
        token.close();
    }

    private static HttpResponse<String> ops(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(appliance.running.opsUri() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitReady(boolean ready) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while ((ops("/health/ready").statusCode() == 200) != ready) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("/health/ready never became " + (ready ? "ready" : "not ready"));
            }
            Thread.sleep(100);
        }
    }

    @Test
    void aFailingTokenGives503WithRetryAfterStoresNothingAndComesBackByItself() throws Exception {
        assertEquals(202, g22.submit(TwoAppliancesTest.edxml(G22, List.of(H41), "trước sự cố")).status());

        faults.broken.set(true);
        byte[] document = TwoAppliancesTest.edxml(G22, List.of(H41), "trong sự cố");
        Answer refused = g22.submit(document, "during-the-fault");

        assertEquals(503, refused.status(), refused.text());
        assertTrue(refused.header("Retry-After").isPresent(), "a client is told when to come back");
        assertEquals("urn:lienthong:problem:hsm-unavailable", refused.json().path("type").asText(), refused.text());
        assertTrue(refused.json().path("detail").asText().contains("try again later"), refused.text());
        Answer refusedAgain = g22.submit(document, "during-the-fault");
        assertEquals(503, refusedAgain.status(), "fails fast while the token is down");
        awaitReady(false);
        HttpResponse<String> notReady = ops("/health/ready");
        assertTrue(notReady.body().contains("\"hsm\":\"DOWN\""), notReady.body());
        String metrics = ops("/metrics").body();
        assertTrue(metrics.contains("lienthong_hsm_token_up{token=\"" + token.label() + "\"} 0.0"), metrics);
        assertTrue(metrics.contains("lienthong_hsm_errors_total{kind=\"token-unavailable\"}"), metrics);

        faults.broken.set(false);
        awaitReady(true);

        Answer accepted = g22.submit(document, "during-the-fault");
        assertEquals(202, accepted.status(), accepted.text());
        assertFalse(accepted.json().path("duplicate").asBoolean(), "nothing of the refused submissions was stored");
        String after = ops("/metrics").body();
        assertTrue(after.contains("lienthong_hsm_token_up{token=\"" + token.label() + "\"} 1.0"), after);
        assertTrue(after.contains("lienthong_hsm_key_signatures_total{key="), "a per-key usage counter: " + after);
    }
}
