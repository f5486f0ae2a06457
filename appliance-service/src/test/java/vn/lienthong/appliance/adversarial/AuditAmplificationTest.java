package vn.lienthong.appliance.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.appliance.TestAppliance;
import vn.lienthong.appliance.audit.RefusalAudit;
import vn.lienthong.appliance.axis.EnvelopeReceiver;
import vn.lienthong.appliance.cli.JvmLauncher;
import vn.lienthong.appliance.demo.ApplianceSetup;
import vn.lienthong.appliance.demo.ApplianceSetup.TenantSpec;
import vn.lienthong.appliance.demo.DemoCa;
import vn.lienthong.appliance.demo.DocumentSystemClient;
import vn.lienthong.appliance.tls.JsseContexts;
import vn.lienthong.appliance.tls.PinnedServerTrustManager;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.Token;

/**
 * The audit-amplification loop: an attacker loops requests that appliance a refuses (a client
 * holding appliance b's tenant certificate against a's local API, and b's pinned TLS identity
 * naming unknown recipients on a's axis), each of which used to cost a durable audit record. With
 * refusals aggregated, a's store grows by less than 1 MiB, documents between the legitimate tenants
 * keep flowing at half their unhindered rate or better, a stays ready, and every attempt is counted.
 */
class AuditAmplificationTest {

    private static final String G22 = "000.00.00.G22";
    private static final String H41 = "000.00.00.H41";
    private static final long MIB = 1024 * 1024;
    /** How long the attack runs by itself, while the store's growth is measured. */
    private static final Duration ATTACK_ALONE = Duration.ofSeconds(10);
    /** Requests each attacker loop makes at most: the attack is bounded in count as well as time. */
    private static final long MAX_REQUESTS_PER_LOOP = 200_000;
    private static final int DOCUMENTS_PER_SENDER = 15;
    /** Concurrent request loops against each of a's local API and a's axis. */
    private static final int LOOPS_PER_TARGET = 2;

    @TempDir
    static Path dir;
    static SoftHsmTestToken tokenA;
    static SoftHsmTestToken tokenB;
    static DemoCa ca;
    static TestAppliance a;
    static TestAppliance b;
    static DocumentSystemClient g22;
    static DocumentSystemClient h41;
    /** Appliance b's token as the attacker holds it: b's pinned TLS identity. */
    static Token stolenB;

    @BeforeAll
    static void startTwoAppliances() throws Exception {
        tokenA = SoftHsmTestToken.create("a");
        tokenB = SoftHsmTestToken.create("b");
        ca = DemoCa.create("test CA");
        Path root = Files.writeString(dir.resolve("root.pem"), DemoCa.pem(ca.root()));
        a = TestAppliance.provision("a", dir, tokenA, ca, root, List.of(new TenantSpec(G22, "Văn phòng Chính phủ", "ecp256")));
        b = TestAppliance.provision("b", dir, tokenB, ca, root, List.of(new TenantSpec(H41, "UBND tỉnh Nghệ An", "ecp256")));
        a.start();
        b.start();
        Path directory = Files.writeString(dir.resolve("directory.json"), ApplianceSetup.directoryJson(List.of(
                new ApplianceSetup.Route(G22, a.axis().toString(), a.setup.tlsCertificateSha256()),
                new ApplianceSetup.Route(H41, b.axis().toString(), b.setup.tlsCertificateSha256()))));
        for (TestAppliance appliance : List.of(a, b)) {
            JvmLauncher.Result result = new JvmLauncher().run(Map.of(), List.of("provision", "--config",
                    appliance.config.toString(), "directory", "import", directory.toString()));
            assertEquals(0, result.exitCode(), result.output());
        }
        g22 = a.documentSystem(G22, ca);
        h41 = b.documentSystem(H41, ca);
        stolenB = Token.open(tokenB.config());
    }

    @AfterAll
    static void stop() {
        TestAppliance.closeAll(g22, h41, stolenB, a, b, tokenA, tokenB);
    }

    @Test
    void aLoopOfRefusedRequestsNeitherFillsTheStoreNorStarvesTheTenants() throws Exception {
        legitimateRate(3); // warm-up: connections, code paths
        double unhindered = legitimateRate(DOCUMENTS_PER_SENDER);

        long auditBefore = a.running.storage().audit().size();
        long usedBefore = a.running.storage().mapUsage().usedBytes();
        double refusedApiBefore = metric(a, "lienthong_refused_total", "listener=\"api\"", "unknown-client-certificate");
        double refusedAxisBefore = metric(a, "lienthong_refused_total", "listener=\"axis\"", "unknown-recipient");
        try (Attack attack = new Attack()) {
            attack.start();
            Instant until = Instant.now().plus(ATTACK_ALONE);
            while (Instant.now().isBefore(until)) {
                assertReady(a);
                Thread.sleep(500);
            }
            long attempts = attack.apiRefused.get() + attack.axisRefused.get();
            // The aggregates of what was refused so far are written now (the service does so every minute).
            a.running.flushRefusals();
            long grown = a.running.storage().mapUsage().usedBytes() - usedBefore;
            long records = a.running.storage().audit().size() - auditBefore;
            System.out.printf("audit amplification: %d refused requests in %d s; store grew by %d bytes, %d audit records%n",
                    attempts, ATTACK_ALONE.toSeconds(), grown, records);
            // Each used to cost a durable record: hundreds of them already outgrow what an aggregate costs.
            assertTrue(attempts >= 500, "the attack made too few requests to prove anything: " + attempts);
            assertTrue(grown < MIB, "the store grew by " + grown + " bytes from " + attempts + " refusals");
            assertTrue(records <= 20, records + " audit records for " + attempts + " refusals");

            double underAttack = legitimateRate(DOCUMENTS_PER_SENDER);
            double ratio = underAttack / unhindered;
            System.out.printf("audit amplification: legitimate rate %.2f documents/s unhindered, %.2f under attack:"
                    + " ratio %.2f%n", unhindered, underAttack, ratio);
            assertTrue(ratio >= 0.5, "legitimate documents flowed at " + ratio + " of their unhindered rate");
            assertReady(a);
            attack.stopAndWait();

            assertTrue(attack.apiRefused.get() > 0 && attack.axisRefused.get() > 0, attack.toString());
            assertEquals(0, attack.unexpected.get(), "every attack request is refused as expected: " + attack);
            assertEquals(refusedApiBefore + attack.apiRefused.get(),
                    metric(a, "lienthong_refused_total", "listener=\"api\"", "unknown-client-certificate"), 0.0);
            assertEquals(refusedAxisBefore + attack.axisRefused.get(),
                    metric(a, "lienthong_refused_total", "listener=\"axis\"", "unknown-recipient"), 0.0);
        }
        a.running.flushRefusals();
        List<String> aggregates = new ArrayList<>();
        a.running.storage().audit().forEach(r -> {
            if (r.sequence() > auditBefore && r.action().equals(RefusalAudit.ACTION)) {
                aggregates.add(r.actor() + " " + r.detail());
            }
        });
        assertTrue(aggregates.stream().anyMatch(r -> r.contains("reason=unknown-client-certificate")
                && r.contains("CN=DMS")), aggregates.toString());
        assertTrue(aggregates.stream().anyMatch(r -> r.startsWith("peer:") && r.contains("reason=unknown-recipient")),
                aggregates.toString());
    }

    /**
     * Documents per second between the legitimate tenants: each sends {@code perSender} to the
     * other at once, timed from the first submission to the last delivery.
     */
    private static double legitimateRate(int perSender) throws Exception {
        Instant start = Instant.now();
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Void>> done = new ArrayList<>();
            for (var pair : List.of(Map.entry(g22, List.of(G22, H41)), Map.entry(h41, List.of(H41, G22)))) {
                done.add(senders.submit(() -> {
                    List<String> ids = new ArrayList<>();
                    for (int i = 0; i < perSender; i++) {
                        DocumentSystemClient.Answer answer = pair.getKey().submit(
                                edxml(pair.getValue().get(0), pair.getValue().get(1), "văn bản " + i));
                        assertEquals(202, answer.status(), answer.text());
                        ids.add(answer.json().path("id").asText());
                    }
                    for (String id : ids) {
                        awaitDelivered(pair.getKey(), id);
                    }
                    return null;
                }));
            }
            for (Future<Void> f : done) {
                f.get();
            }
        }
        double seconds = Duration.between(start, Instant.now()).toNanos() / 1e9;
        return 2.0 * perSender / seconds;
    }

    private static void awaitDelivered(DocumentSystemClient sender, String id) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (!sender.outboxStatus(id).json().path("delivered").asBoolean()) {
            assertTrue(Instant.now().isBefore(deadline), "document " + id + " not delivered in 60 s");
            Thread.sleep(20);
        }
    }

    /** The attacker's loops against a's local API and a's axis, until stopped. */
    private static final class Attack implements AutoCloseable {
        final AtomicLong apiRefused = new AtomicLong();
        final AtomicLong axisRefused = new AtomicLong();
        final AtomicLong unexpected = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ExecutorService loops = Executors.newVirtualThreadPerTaskExecutor();
        private final List<Future<?>> started = new ArrayList<>();
        private final HttpClient api;
        private final HttpClient axis;

        Attack() throws Exception {
            // B's tenant's document-system certificate: anchor-chained, but no tenant of a's.
            ApplianceSetup.DmsIdentity stolen = b.setup.documentSystems().get(H41);
            try (DocumentSystemClient holder = new DocumentSystemClient(a.running.apiUri(), stolen.key(),
                    stolen.certificate(), ca.root())) {
                api = HttpClient.newBuilder().sslContext(holder.sslContext()).build();
            }
            axis = HttpClient.newBuilder()
                    .sslContext(JsseContexts.client(stolenB.key("tls").orElseThrow(),
                            new PinnedServerTrustManager(() -> List.of(ca.root()), a.setup.tlsCertificateSha256())))
                    .sslParameters(JsseContexts.clientParameters())
                    .build();
        }

        void start() {
            URI inbox = URI.create("https://localhost:" + a.running.apiUri().getPort() + "/api/v1/inbox");
            URI envelopes = a.axis().resolve(EnvelopeReceiver.PATH);
            for (int i = 0; i < LOOPS_PER_TARGET; i++) {
                started.add(loops.submit(loop(() -> api.send(HttpRequest.newBuilder(inbox).GET().build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 403, apiRefused)));
                started.add(loops.submit(loop(() -> axis.send(HttpRequest.newBuilder(envelopes)
                                // Organ ids of the usual form, none of them a's tenant.
                                .header(EnvelopeReceiver.RECIPIENT_HEADER, String.format("000.00.99.H%02d",
                                        ThreadLocalRandom.current().nextInt(100)))
                                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 404, axisRefused)));
            }
        }

        private Runnable loop(Callable<Boolean> request, AtomicLong refused) {
            return () -> {
                for (long n = 0; n < MAX_REQUESTS_PER_LOOP && running.get(); n++) {
                    try {
                        (request.call() ? refused : unexpected).incrementAndGet();
                    } catch (Exception e) {
                        unexpected.incrementAndGet();
                    }
                }
            };
        }

        void stopAndWait() throws Exception {
            running.set(false);
            for (Future<?> loop : started) {
                loop.get();
            }
        }

        @Override
        public void close() {
            running.set(false);
            loops.close();
            api.close();
            axis.close();
        }

        @Override
        public String toString() {
            return "refused on the API " + apiRefused + ", on the axis " + axisRefused + ", otherwise " + unexpected;
        }
    }

    private static void assertReady(TestAppliance appliance) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> ready = http.send(HttpRequest.newBuilder(appliance.running.opsUri()
                    .resolve("/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ready.statusCode(), ready.body());
        }
    }

    /** The sum of a metric's samples whose labels contain every one of {@code labelParts}. */
    private static double metric(TestAppliance appliance, String name, String... labelParts) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            String text = http.send(HttpRequest.newBuilder(appliance.running.opsUri().resolve("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            double sum = 0;
            Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$").matcher(text);
            while (m.find()) {
                String labels = m.group(1);
                if (java.util.Arrays.stream(labelParts).allMatch(labels::contains)) {
                    sum += Double.parseDouble(m.group(2));
                }
            }
            return sum;
        }
    }

    private static byte[] edxml(String from, String to, String subject) {
        return ("""
                <?xml version="1.0" encoding="UTF-8"?>
                <edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
                  <edXMLEnvelope>
                    <edXMLHeader>
                      <MessageHeader>
                        <From><OrganId>%s</OrganId></From>
                        <To><OrganId>%s</OrganId></To>
                        <DocumentId>%s</DocumentId>
                        <Code><CodeNumber>1</CodeNumber><CodeNotation>VPCP-TTĐT</CodeNotation></Code>
                        <PromulgationInfo><PromulgationDate>2024/03/15</PromulgationDate></PromulgationInfo>
                        <Subject>%s</Subject>
                      </MessageHeader>
                    </edXMLHeader>
                    <edXMLBody/>
                  </edXMLEnvelope>
                </edXML>
                """.formatted(from, to, UUID.randomUUID(), subject)).strip().getBytes(StandardCharsets.UTF_8);
    }
}
