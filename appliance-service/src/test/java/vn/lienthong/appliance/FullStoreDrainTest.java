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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.util.UUID;
import vn.lienthong.appliance.api.LocalApi;
import vn.lienthong.appliance.axis.EnvelopeReceiver;
import vn.lienthong.appliance.demo.ApplianceSetup;
import vn.lienthong.appliance.envelope.Envelope;
import vn.lienthong.appliance.envelope.EnvelopeCodec;
import vn.lienthong.appliance.envelope.EnvelopeHeader;
import vn.lienthong.appliance.envelope.EnvelopeSealer;
import vn.lienthong.appliance.tls.JsseContexts;
import vn.lienthong.appliance.tls.PinnedServerTrustManager;
import vn.lienthong.appliance.demo.ApplianceSetup.TenantSpec;
import vn.lienthong.appliance.demo.DemoCa;
import vn.lienthong.appliance.demo.DocumentSystemClient;
import vn.lienthong.appliance.demo.DocumentSystemClient.Answer;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.cms.CmsSigner;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.storage.Storage;

/**
 * The measured wedge, on real appliances: with its peer down, appliance a takes documents until its
 * store reaches the intake high-water mark and answers 507; its forwarder still records every attempt;
 * once the peer is back the queue drains, every accepted document is delivered, and a takes documents
 * again, with no operator action.
 */
class FullStoreDrainTest {

    static final String G22 = "000.00.00.G22";
    static final String H41 = "000.00.00.H41";
    static final int SUBMITTERS = 8;

    @TempDir
    static Path dir;
    static SoftHsmTestToken tokenA;
    static SoftHsmTestToken tokenB;
    static DemoCa ca;
    static TestAppliance a;
    static TestAppliance b;
    static DocumentSystemClient g22;
    static final CapturedLog capture = new CapturedLog();
    static final List<LogRecord> log = capture.records;

    @BeforeAll
    static void start() throws Exception {
        Logger.getLogger("").addHandler(capture);
        tokenA = SoftHsmTestToken.create("a");
        tokenB = SoftHsmTestToken.create("b");
        ca = DemoCa.create("test CA");
        Path root = dir.resolve("root.pem");
        Files.writeString(root, DemoCa.pem(ca.root()));
        a = TestAppliance.provision("a", dir, tokenA, ca, root, List.of(new TenantSpec(G22, "Văn phòng Chính phủ", "ecp256")));
        b = TestAppliance.provision("b", dir, tokenB, ca, root, List.of(new TenantSpec(H41, "UBND tỉnh Nghệ An", "ecp256")));
        // A small store fills quickly; b's is larger, since it receives all that a held.
        StoreAndForwardTest.edit(a.config, "map-size-mib: 64", "map-size-mib: 4");
        StoreAndForwardTest.edit(b.config, "map-size-mib: 64", "map-size-mib: 32");
        // Fixed axis ports, so that the directory is imported before the start and b comes back where it names.
        int aAxis = freePort();
        int bAxis = freePort();
        StoreAndForwardTest.edit(a.config, "axis: { host: 127.0.0.1, port: 0 }", "axis: { host: 127.0.0.1, port: " + aAxis + " }");
        StoreAndForwardTest.edit(b.config, "axis: { host: 127.0.0.1, port: 0 }", "axis: { host: 127.0.0.1, port: " + bAxis + " }");
        Path directory = dir.resolve("directory.json");
        Files.writeString(directory, ApplianceSetup.directoryJson(List.of(
                new ApplianceSetup.Route(G22, "https://127.0.0.1:" + aAxis, a.setup.tlsCertificateSha256()),
                new ApplianceSetup.Route(H41, "https://127.0.0.1:" + bAxis, b.setup.tlsCertificateSha256()))));
        for (TestAppliance appliance : List.of(a, b)) {
            TestAppliance.cli(appliance.config, List.of("directory", "import", directory.toString()));
        }
        a.start();
        b.start();
        g22 = a.documentSystem(G22, ca);
    }

    @AfterAll
    static void stop() {
        Logger.getLogger("").removeHandler(capture);
        TestAppliance.closeAll(g22, a, b, tokenA, tokenB);
    }

    @Test
    void aStoreFilledToItsHighWaterMarkWithThePeerDownDrainsByItselfOnceThePeerIsBack() throws Exception {
        b.close(); // the peer is down
        b.running = null;

        List<String> accepted = fillUntilRefused();
        Storage store = a.running.storage();
        assertFalse(store.intake().open(), "intake closed: " + store.intake());
        assertEquals(0, TwoAppliancesTest.metric(a, "lienthong_storage_intake_open", ""));
        String ready = get(a.running.opsUri().resolve("/health/ready"));
        assertTrue(ready.startsWith("200 ") && ready.contains("storage.intake-high-water-percent"), ready);

        // Every way in is closed alike: the SDK facade, and the axis, which asks the sender to keep it.
        Answer sdk = TwoAppliancesTest.sendEdoc(g22, G22, TwoAppliancesTest.sdkSecret(a, G22),
                TwoAppliancesTest.edxml(G22, List.of(H41), "qua SDK"), "edoc");
        assertEquals(507, sdk.status(), sdk.text());
        assertEquals("insufficient-storage", sdk.json().path("ErrorCode").asText());
        HttpResponse<byte[]> axis = postFromB(TwoAppliancesTest.edxml(H41, List.of(G22), "từ b"));
        assertEquals(507, axis.statusCode(), new String(axis.body(), java.nio.charset.StandardCharsets.UTF_8));
        assertTrue(axis.headers().firstValue("Retry-After").isPresent(), axis.headers().toString());

        // Above the high-water mark the forwarder still records each failed attempt.
        String last = accepted.getLast();
        await(Duration.ofSeconds(30), "the forwarder records attempts above the high-water mark",
                () -> store.outbox().get(G22, last).orElseThrow().deliveries().getFirst().attempts() >= 2);

        b.start(); // the peer is back: nothing else is done
        await(Duration.ofSeconds(120), "the queue drains", () -> store.outbox().pendingDeliveries() == 0);
        Storage received = b.running.storage();
        for (String id : accepted) {
            assertTrue(store.outbox().get(G22, id).orElseThrow().fullyDelivered(), id);
            assertTrue(received.inbox().get(H41, id).isPresent(), id);
        }
        Answer after = g22.submit(TwoAppliancesTest.edxml(G22, List.of(H41), "sau khi hàng đợi đã hết"));
        assertEquals(202, after.status(), "intake resumes by itself: " + after.text() + " " + store.intake());
        assertEquals(1, TwoAppliancesTest.metric(a, "lienthong_storage_intake_open", ""));
        assertFalse(get(a.running.opsUri().resolve("/health/ready")).contains("intake"));
        for (LogRecord record : log) {
            assertFalse(String.valueOf(record.getMessage()).startsWith("forwarder: Insufficient storage"),
                    "the forwarder could not record: " + record.getMessage());
        }
    }

    /** Submits small documents from several clients at once until a answers 507; the ids it accepted. */
    private static List<String> fillUntilRefused() throws Exception {
        ConcurrentLinkedQueue<String> accepted = new ConcurrentLinkedQueue<>();
        AtomicReference<Answer> refused = new AtomicReference<>();
        try (ExecutorService submitters = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < SUBMITTERS; i++) {
                running.add(submitters.submit(() -> {
                    // Bounded: a 16 MiB store holds far fewer small documents than this.
                    for (int n = 0; n < 5_000 && refused.get() == null; n++) {
                        Answer answer = g22.submit(TwoAppliancesTest.edxml(G22, List.of(H41), "lấp đầy " + n));
                        if (answer.status() == 202) {
                            accepted.add(answer.json().path("id").asText());
                        } else {
                            refused.compareAndSet(null, answer);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        }
        Answer answer = refused.get();
        assertTrue(answer != null, "the store reached its high-water mark after " + accepted.size() + " documents");
        assertEquals(507, answer.status(), answer.text());
        assertEquals("urn:lienthong:problem:insufficient-storage", answer.json().path("type").asText());
        assertTrue(answer.header("Retry-After").isPresent());
        assertTrue(accepted.size() > 100, "accepted " + accepted.size());
        return new ArrayList<>(accepted);
    }

    /** An envelope from b's tenant H41 to G22, sealed in b's token and posted to a's axis as b would. */
    private static HttpResponse<byte[]> postFromB(byte[] payload) throws Exception {
        try (Token peer = Token.open(tokenB.config())) {
            String alias = peer.aliases().stream().filter(x -> x.startsWith("sign") && x.contains(H41)).findFirst()
                    .orElseThrow();
            EnvelopeHeader header = EnvelopeHeader.of(UUID.randomUUID().toString(), H41, List.of(G22),
                    Instant.now(), LocalApi.EDXML_CONTENT_TYPE, payload);
            Envelope envelope = new EnvelopeSealer(new CmsSigner(peer.provider())).seal(header, payload,
                    peer.key(alias).orElseThrow());
            try (HttpClient client = HttpClient.newBuilder()
                    .sslContext(JsseContexts.client(peer.key("tls").orElseThrow(),
                            new PinnedServerTrustManager(() -> List.of(ca.root()), a.setup.tlsCertificateSha256())))
                    .sslParameters(JsseContexts.clientParameters())
                    .build()) {
                return client.send(HttpRequest.newBuilder(a.axis().resolve(EnvelopeReceiver.PATH))
                        .header(EnvelopeReceiver.RECIPIENT_HEADER, G22)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(EnvelopeCodec.encode(envelope)))
                        .build(), HttpResponse.BodyHandlers.ofByteArray());
            }
        }
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String get(URI uri) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() + " " + response.body();
        }
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void await(Duration limit, String what, Condition condition) throws Exception {
        Instant deadline = Instant.now().plus(limit);
        while (!condition.holds()) {
            assertTrue(Instant.now().isBefore(deadline), "not within " + limit.toSeconds() + " s: " + what);
            Thread.sleep(100);
        }
    }
}
