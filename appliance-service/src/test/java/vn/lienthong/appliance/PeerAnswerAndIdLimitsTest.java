package vn.lienthong.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.appliance.axis.EnvelopeReceiver;
import vn.lienthong.appliance.cli.JvmLauncher;
import vn.lienthong.appliance.demo.ApplianceSetup;
import vn.lienthong.appliance.demo.ApplianceSetup.TenantSpec;
import vn.lienthong.appliance.demo.DemoCa;
import vn.lienthong.appliance.demo.DocumentSystemClient;
import vn.lienthong.appliance.demo.DocumentSystemClient.Answer;
import vn.lienthong.appliance.demo.SdkRequests;
import vn.lienthong.appliance.tls.PinnedServerTrustManager;
import vn.lienthong.hsm.testing.SoftHsmTestToken;

/**
 * A real appliance facing a hostile peer and hostile ids: a pinned peer (a stand-in HTTPS server on
 * loopback) answering a delivery with 64 MiB, or with lines meant to forge log lines, costs the
 * forwarder at most 256 KiB and one cleaned line; over-long message ids and recipient headers are
 * 400 problems, with no stack trace in the log.
 */
class PeerAnswerAndIdLimitsTest {

    static final String G22 = "000.00.00.G22";
    /** The organ the stand-in peer answers for. */
    static final String X99 = "000.00.00.X99";
    static final long HUGE = 64L * 1024 * 1024;
    static final String LONG_ID = "m".repeat(600);

    @TempDir
    static Path dir;
    static SoftHsmTestToken token;
    static DemoCa ca;
    static TestAppliance a;
    static DocumentSystemClient g22;
    static HttpsServer peer;
    static ExecutorService peerThreads;
    static KeyPair peerKey;
    static X509Certificate peerCertificate;
    /** Whether the stand-in peer still answers with its 64 MiB body. */
    static final AtomicBoolean answerHuge = new AtomicBoolean(true);
    /** Bytes of the huge answer the stand-in could write before the forwarder stopped reading. */
    static final AtomicLong hugeWritten = new AtomicLong(-1);
    static final CountDownLatch hugeEnded = new CountDownLatch(1);
    static final CapturedLog capture = new CapturedLog();
    static final List<LogRecord> log = capture.records;

    @BeforeAll
    static void start() throws Exception {
        Logger.getLogger("").addHandler(capture);
        token = SoftHsmTestToken.create("a");
        ca = DemoCa.create("test CA");
        Path root = dir.resolve("root.pem");
        Files.writeString(root, DemoCa.pem(ca.root()));
        a = TestAppliance.provision("a", dir, token, ca, root, List.of(new TenantSpec(G22, "Văn phòng Chính phủ", "ecp256")));
        a.start();
        peer = standInPeer();
        Path directory = dir.resolve("directory.json");
        Files.writeString(directory, ApplianceSetup.directoryJson(List.of(
                new ApplianceSetup.Route(G22, a.axis().toString(), a.setup.tlsCertificateSha256()),
                new ApplianceSetup.Route(X99, "https://127.0.0.1:" + peer.getAddress().getPort(),
                        PinnedServerTrustManager.pinOf(peerCertificate)))));
        JvmLauncher.Result imported = new JvmLauncher().run(Map.of(), List.of("provision", "--config",
                a.config.toString(), "directory", "import", directory.toString()));
        assertEquals(0, imported.exitCode(), imported.output());
        g22 = a.documentSystem(G22, ca);
    }

    @AfterAll
    static void stop() {
        Logger.getLogger("").removeHandler(capture);
        TestAppliance.closeAll(g22, a, token);
        if (peer != null) {
            peer.stop(0);
            peerThreads.shutdownNow();
        }
    }

    /**
     * A pinned peer appliance gone bad: it answers 64 MiB until the test has seen the forwarder's
     * account of that (retries come fast, and a later answer replaces it), then a 503 whose text
     * tries to forge a log line and runs on for 100 kB.
     */
    static HttpsServer standInPeer() throws Exception {
        peerKey = DemoCa.ecKeyPair();
        peerCertificate = ca.issue(new X500Name("CN=stand-in peer"), peerKey.getPublic(), DemoCa.Profile.TLS,
                List.of("localhost"), List.of("127.0.0.1"));
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls(peerKey, peerCertificate)));
        server.createContext(EnvelopeReceiver.PATH, exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                if (answerHuge.get()) {
                    exchange.sendResponseHeaders(200, HUGE);
                    byte[] chunk = new byte[64 * 1024];
                    long written = 0;
                    try (OutputStream out = exchange.getResponseBody()) {
                        while (written < HUGE) {
                            out.write(chunk);
                            written += chunk.length;
                        }
                    } catch (IOException e) {
                        // the forwarder stopped reading and closed the connection
                    } finally {
                        hugeWritten.set(written);
                        hugeEnded.countDown();
                    }
                } else {
                    byte[] body = ("\u001b[31mpeer\u0007 says\u202e no\r\nFORGED level=SEVERE the appliance is compromised\n"
                            + "x".repeat(100_000)).getBytes(StandardCharsets.UTF_8);
                    exchange.sendResponseHeaders(503, body.length);
                    exchange.getResponseBody().write(body);
                }
            }
        });
        peerThreads = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(peerThreads);
        server.start();
        return server;
    }

    static SSLContext tls(KeyPair key, X509Certificate certificate) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        char[] password = "in-memory".toCharArray();
        keys.setKeyEntry("peer", key.getPrivate(), password, new X509Certificate[] {certificate});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        return context;
    }

    @Test
    void theForwarderReadsAtMost256KiBOfAPeersAnswerAndKeepsOneCleanLineOfIt() throws Exception {
        Answer submitted = g22.submit(TwoAppliancesTest.edxml(G22, List.of(X99), "Gửi tới một máy chủ hỏng"));
        assertEquals(202, submitted.status(), submitted.text());
        String id = submitted.json().path("id").asText();

        assertTrue(hugeEnded.await(60, TimeUnit.SECONDS), "the stand-in's huge answer was cut off");
        assertTrue(hugeWritten.get() < HUGE, "the forwarder did not read 64 MiB: " + hugeWritten.get());
        JsonNode delivery = awaitLastError(id, "with more than 256 KiB");
        answerHuge.set(false);
        assertFalse(delivery.path("status").asText().equals("delivered"), delivery.toString());

        // The next attempts meet the 503 that tries to forge a log line: one clean line is kept.
        String lastError = awaitLastError(id, "answered 503").path("lastError").asText();
        assertTrue(lastError.contains("peer says no"), lastError);
        assertFalse(lastError.contains("FORGED"), lastError);
        assertTrue(lastError.length() < 400, lastError.length() + " characters: " + lastError);
        assertTrue(lastError.chars().noneMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT),
                lastError);
        for (LogRecord record : log) {
            String message = String.valueOf(record.getMessage());
            assertFalse(message.contains("FORGED") || message.contains("\u001b"), message);
        }
    }

    @Test
    void overLongMessageIdsAreRefusedWith400OnTheLocalApiAndTheSdkWithoutAStackTrace() throws Exception {
        String secret = TwoAppliancesTest.sdkSecret(a, G22);
        int logged = log.size();
        for (Answer answer : List.of(g22.outboxStatus(LONG_ID), g22.fetch(LONG_ID), g22.acknowledge(LONG_ID),
                g22.outboxStatus(LONG_ID + "/evidence"))) {
            assertEquals(400, answer.status(), answer.text());
            assertEquals("urn:lienthong:problem:invalid-message-id", answer.json().path("type").asText());
            assertTrue(answer.contentType().startsWith("application/problem+json"), answer.contentType());
        }
        Answer sent = g22.submit(TwoAppliancesTest.edxml(G22, List.of(G22), "cho chính mình"));
        assertEquals(202, sent.status(), sent.text());
        Answer evidence = g22.evidence(sent.json().path("id").asText(), "X".repeat(600));
        assertEquals(400, evidence.status(), evidence.text());
        assertEquals("urn:lienthong:problem:invalid-organ-id", evidence.json().path("type").asText());
        for (String operation : List.of("/getEdoc?docId=" + LONG_ID, "/updateStatus?status=done&docId=" + LONG_ID)) {
            Answer sdk = g22.sdk(operation, SdkRequests.headers(G22, secret, Instant.now()), null, new byte[0]);
            assertEquals(400, sdk.status(), sdk.text());
            assertEquals("invalid-message-id", sdk.json().path("ErrorCode").asText(), sdk.text());
        }
        assertNoStackTraceSince(logged);
    }

    @Test
    void anOverLongRecipientHeaderOnTheAxisIsRefusedWith400WithoutAStackTrace() throws Exception {
        int logged = log.size();
        // The stand-in's identity is pinned in the directory: the axis lets it in, as it would a peer.
        try (DocumentSystemClient pinnedPeer = new DocumentSystemClient(a.axis(), peerKey.getPrivate(),
                peerCertificate, ca.root())) {
            for (String recipient : List.of("G".repeat(600), "000.00.00.G22\u0000x")) {
                Answer answer = pinnedPeer.sdk(EnvelopeReceiver.PATH, Map.of(EnvelopeReceiver.RECIPIENT_HEADER,
                        recipient), "application/octet-stream", "{}".getBytes(StandardCharsets.UTF_8));
                assertEquals(400, answer.status(), answer.text());
                assertEquals("urn:lienthong:problem:invalid-recipient", answer.json().path("type").asText());
            }
        } catch (IllegalArgumentException e) {
            // The JDK client refuses a NUL in a header value: the long one alone was sent, which suffices.
        }
        assertNoStackTraceSince(logged);
    }

    private static void assertNoStackTraceSince(int index) {
        assertTrue(log.stream().anyMatch(r -> String.valueOf(r.getMessage()).contains("started")),
                "the log is captured (the appliance's start is in it)");
        for (LogRecord record : log.subList(index, log.size())) {
            assertTrue(record.getThrown() == null, "a stack trace was logged: " + record.getMessage());
        }
    }

    private static JsonNode awaitLastError(String id, String part) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        JsonNode delivery;
        do {
            Thread.sleep(100);
            delivery = g22.outboxStatus(id).json().path("recipients").get(0);
        } while (!delivery.path("lastError").asText().contains(part) && Instant.now().isBefore(deadline));
        assertTrue(delivery.path("lastError").asText().contains(part), delivery.toString());
        return delivery;
    }
}
