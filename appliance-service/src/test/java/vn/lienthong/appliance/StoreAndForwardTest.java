package vn.lienthong.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.appliance.cli.JvmLauncher;
import vn.lienthong.appliance.demo.ApplianceSetup;
import vn.lienthong.appliance.demo.ApplianceSetup.TenantSpec;
import vn.lienthong.appliance.demo.DemoCa;
import vn.lienthong.appliance.demo.DocumentSystemClient;
import vn.lienthong.appliance.demo.DocumentSystemClient.Answer;
import vn.lienthong.hsm.testing.SoftHsmTestToken;

/**
 * Store-and-forward on real appliances: a peer that cannot be reached holds up nobody else and its
 * deliveries end as dead letters that an operator lists and requeues from another process while the
 * service runs; a fetched inbox message comes back unless acknowledged; a full store answers 507
 * and takes documents again, without a restart, once the operator raises its size.
 */
class StoreAndForwardTest {

    static final String G22 = "000.00.00.G22";
    static final String G33 = "000.00.00.G33";
    static final String H41 = "000.00.00.H41";
    static final String H14 = "000.00.00.H14";
    static final int MAX_ATTEMPTS = 3;

    @TempDir
    static Path dir;
    static SoftHsmTestToken tokenA;
    static SoftHsmTestToken tokenB;
    static SoftHsmTestToken tokenC;
    static DemoCa ca;
    static TestAppliance a;
    static TestAppliance b;
    static TestAppliance c;
    static DocumentSystemClient g22;
    static DocumentSystemClient g33;
    static DocumentSystemClient h41;
    static Path directory;
    static final JvmLauncher launcher = new JvmLauncher();

    @BeforeAll
    static void start() throws Exception {
        tokenA = SoftHsmTestToken.create("a");
        tokenB = SoftHsmTestToken.create("b");
        tokenC = SoftHsmTestToken.create("c");
        ca = DemoCa.create("test CA");
        Path root = dir.resolve("root.pem");
        Files.writeString(root, DemoCa.pem(ca.root()));
        a = TestAppliance.provision("a", dir, tokenA, ca, root, List.of(new TenantSpec(G22, "Văn phòng Chính phủ", "ecp256")));
        b = TestAppliance.provision("b", dir, tokenB, ca, root, List.of(
                new TenantSpec(H41, "UBND tỉnh Nghệ An", "ecp256"), new TenantSpec(H14, "UBND tỉnh Cao Bằng", "ecp256")));
        c = TestAppliance.provision("c", dir, tokenC, ca, root, List.of(new TenantSpec(G33, "Bộ Nội vụ", "ecp256")));
        edit(a.config, "  request-timeout-millis: 10000", "  request-timeout-millis: 10000\n  max-attempts: " + MAX_ATTEMPTS);
        edit(b.config, "forwarder:", "inbox:\n  visibility-timeout-seconds: 2\nforwarder:");
        edit(c.config, "map-size-mib: 64", "map-size-mib: 1");
        a.start();
        b.start();
        c.start();

        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        // H14's route points at a port nobody listens on: its appliance is down.
        importDirectory("https://127.0.0.1:" + closedPort, a, b, c);
        g22 = a.documentSystem(G22, ca);
        g33 = c.documentSystem(G33, ca);
        h41 = b.documentSystem(H41, ca);
    }

    @AfterAll
    static void stop() {
        TestAppliance.closeAll(g22, g33, h41, a, b, c, tokenA, tokenB, tokenC);
    }

    /** Imports the routing directory into every appliance, from a separate process while they run. */
    static void importDirectory(String h14Axis, TestAppliance... into) throws Exception {
        directory = dir.resolve("directory.json");
        Files.writeString(directory, ApplianceSetup.directoryJson(List.of(
                new ApplianceSetup.Route(G22, a.axis().toString(), a.setup.tlsCertificateSha256()),
                new ApplianceSetup.Route(G33, c.axis().toString(), c.setup.tlsCertificateSha256()),
                new ApplianceSetup.Route(H41, b.axis().toString(), b.setup.tlsCertificateSha256()),
                new ApplianceSetup.Route(H14, h14Axis, b.setup.tlsCertificateSha256()))));
        for (TestAppliance appliance : into) {
            assertEquals(0, provision(appliance, "directory", "import", directory.toString()).exitCode());
        }
    }

    static JvmLauncher.Result provision(TestAppliance appliance, String... arguments) throws Exception {
        List<String> all = new ArrayList<>(List.of("provision", "--config", appliance.config.toString()));
        all.addAll(List.of(arguments));
        JvmLauncher.Result result = launcher.run(Map.of(), all);
        return result;
    }

    static void edit(Path config, String from, String to) throws Exception {
        String text = Files.readString(config);
        assertTrue(text.contains(from), config + " has " + from);
        Files.writeString(config, text.replace(from, to));
    }

    static JsonNode recipient(DocumentSystemClient sender, String id) throws Exception {
        Answer status = sender.outboxStatus(id);
        assertEquals(200, status.status(), status.text());
        return status.json().path("recipients").get(0);
    }

    static JsonNode awaitRecipient(DocumentSystemClient sender, String id, Predicate<JsonNode> until) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        JsonNode last = null;
        while (Instant.now().isBefore(deadline)) {
            last = recipient(sender, id);
            if (until.test(last)) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("message " + id + " did not get there in 60 seconds: " + last);
    }

    static String submit(DocumentSystemClient sender, String from, String to, String subject) throws Exception {
        Answer submitted = sender.submit(TwoAppliancesTest.edxml(from, List.of(to), subject));
        assertEquals(202, submitted.status(), submitted.text());
        return submitted.json().path("id").asText();
    }

    @Test
    void anUnreachablePeerHoldsUpNobodyAndItsDeliveriesBecomeDeadLettersAnOperatorRequeues() throws Exception {
        List<String> toDownPeer = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            toDownPeer.add(submit(g22, G22, H14, "to a peer that is down " + i));
        }
        String toLivePeer = submit(g22, G22, H41, "to a peer that is up");

        JsonNode delivered = awaitRecipient(g22, toLivePeer, r -> r.path("status").asText().equals("delivered"));
        assertEquals(H41, delivered.path("organId").asText());
        for (String id : toDownPeer) {
            JsonNode failed = awaitRecipient(g22, id, r -> r.path("status").asText().equals("failed"));
            assertTrue(failed.path("reason").asText().contains("gave up after " + MAX_ATTEMPTS + " attempts"),
                    failed.toString());
            assertTrue(failed.has("failedAt"), failed.toString());
        }
        assertTrue(TwoAppliancesTest.metric(a, "lienthong_dead_letters_total", "") >= toDownPeer.size());
        assertTrue(TwoAppliancesTest.metric(a, "lienthong_delivery_attempts_total", "outcome=\"unreachable\"") >= 1);

        // The operator's commands run in their own processes while the service runs.
        JvmLauncher.Result dead = provision(a, "queue", "dead");
        assertEquals(0, dead.exitCode(), dead.output());
        for (String id : toDownPeer) {
            assertTrue(dead.output().contains(id), dead.output());
        }
        assertTrue(dead.output().contains("gave up after"), dead.output());
        assertFalse(dead.output().contains(toLivePeer));

        importDirectory(b.axis().toString(), a);
        JvmLauncher.Result one = provision(a, "queue", "requeue", G22, toDownPeer.getFirst(), H14);
        assertEquals(0, one.exitCode(), one.output());
        awaitRecipient(g22, toDownPeer.getFirst(), r -> r.path("status").asText().equals("delivered"));
        JvmLauncher.Result unknown = provision(a, "queue", "requeue", G22, toDownPeer.getFirst());
        assertEquals(1, unknown.exitCode(), unknown.output());
        assertTrue(unknown.output().startsWith("error: message " + toDownPeer.getFirst()), unknown.output());

        JvmLauncher.Result all = provision(a, "queue", "requeue", "--all");
        assertEquals(0, all.exitCode(), all.output());
        assertTrue(all.output().contains("requeued " + (toDownPeer.size() - 1)), all.output());
        for (String id : toDownPeer) {
            JsonNode done = awaitRecipient(g22, id, r -> r.path("status").asText().equals("delivered"));
            assertTrue(done.path("attempts").asInt() >= 1);
        }
        assertEquals("no dead letters", provision(a, "queue", "dead").output());
    }

    @Test
    void queueMetricsCountWhatWaitsPerTenantAndQueueAndHowLongTheOldestHasWaited() throws Exception {
        // Only this test sends from H41 or to G22: b's outbox and a's inbox hold nothing else.
        // The exposition lists labels sorted by name.
        String bOutboxOfH41 = "queue=\"outbox\",tenant=\"" + H41 + "\"";
        String aInboxOfG22 = "queue=\"inbox\",tenant=\"" + G22 + "\"";
        assertEquals(0, TwoAppliancesTest.metric(b, "lienthong_queue_depth", bOutboxOfH41));
        assertEquals(0, TwoAppliancesTest.metric(a, "lienthong_queue_depth", aInboxOfG22));

        // H14's route in b's directory stays on the closed port, and b never gives up (no max-attempts):
        // these two stay queued at b, retried, for the rest of the class.
        Instant submitted = Instant.now();
        submit(h41, H41, H14, "queued at b 1");
        Instant firstAccepted = Instant.now();
        submit(h41, H41, H14, "queued at b 2");
        String toA = submit(h41, H41, G22, "waits in a's inbox");
        awaitRecipient(h41, toA, r -> r.path("status").asText().equals("delivered"));
        Instant delivered = Instant.now();
        Thread.sleep(2000);

        Instant scraping = Instant.now();
        double depthAtB = TwoAppliancesTest.metric(b, "lienthong_queue_depth", bOutboxOfH41);
        double outboxAge = TwoAppliancesTest.metric(b, "lienthong_queue_oldest_age_seconds", "queue=\"outbox\"");
        double depthAtA = TwoAppliancesTest.metric(a, "lienthong_queue_depth", aInboxOfG22);
        double inboxAge = TwoAppliancesTest.metric(a, "lienthong_queue_oldest_age_seconds", "queue=\"inbox\"");
        Instant scraped = Instant.now();
        assertEquals(2, depthAtB, "the two deliveries to the down peer; the one to G22 is done");
        assertEquals(1, depthAtA);
        // Seconds, between the oldest's youngest and oldest possible age (the clock is the same machine's).
        assertBetween(seconds(firstAccepted, scraping), outboxAge, seconds(submitted, scraped));
        assertBetween(seconds(delivered, scraping), inboxAge, seconds(submitted, scraped));

        assertEquals(200, g22.fetch(toA).status());
        assertEquals(1, TwoAppliancesTest.metric(a, "lienthong_queue_depth", aInboxOfG22),
                "fetched is not acknowledged: still waiting");
        assertEquals(204, g22.acknowledge(toA).status());
        assertEquals(0, TwoAppliancesTest.metric(a, "lienthong_queue_depth", aInboxOfG22));
        assertEquals(0, TwoAppliancesTest.metric(a, "lienthong_queue_oldest_age_seconds", "queue=\"inbox\""),
                "an empty queue's oldest age is 0");
        assertEquals(2, TwoAppliancesTest.metric(b, "lienthong_queue_depth", bOutboxOfH41));
    }

    static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toMillis() / 1000.0;
    }

    static void assertBetween(double low, double actual, double high) {
        // 10 ms of slack: the gauge counts whole milliseconds.
        assertTrue(actual >= low - 0.01 && actual <= high + 0.01, actual + " is not between " + low + " and " + high);
    }

    @Test
    void aFetchedMessageComesBackUnlessAcknowledgedWithinTheVisibilityTimeout() throws Exception {
        String id = submit(g22, G22, H41, "fetched, not acknowledged");
        awaitRecipient(g22, id, r -> r.path("status").asText().equals("delivered"));
        assertTrue(h41.inbox(5).contains(id));

        // Taken before the fetch: the appliance starts the timeout after this, however slowly a loaded
        // machine then answers, so the message cannot be back before this plus the timeout.
        Instant beforeFetch = Instant.now();
        assertEquals(200, h41.fetch(id).status());
        assertFalse(h41.inbox(0).contains(id), "handed to the document system: hidden");
        List<String> again = List.of();
        while (!again.contains(id) && Duration.between(beforeFetch, Instant.now()).toSeconds() < 20) {
            again = h41.inbox(3);
        }
        assertTrue(again.contains(id), "not acknowledged within 2 s: back in the inbox");
        // 1,950 rather than 2,000: the appliance may keep times to the millisecond or coarser.
        assertTrue(Duration.between(beforeFetch, Instant.now()).toMillis() >= 1950, "not before the timeout");

        assertEquals(200, h41.fetch(id).status());
        assertEquals(204, h41.acknowledge(id).status());
        Thread.sleep(2500);
        assertFalse(h41.inbox(0).contains(id), "acknowledged: gone for good");
        assertEquals(200, h41.fetch(id).status(), "an acknowledged message can still be read");
    }

    /** An edXML document of about 150 kB (an attachment, base64 in AttachmentEncoded, carries the bulk). */
    static byte[] bigDocument(String subject) {
        String small = new String(TwoAppliancesTest.edxml(G33, List.of(H41), subject), java.nio.charset.StandardCharsets.UTF_8);
        String attachment = "<AttachmentEncoded><Attachment><ContentId>cid:1</ContentId>"
                + "<AttachmentName>bulk.pdf</AttachmentName><ContentType>application/pdf</ContentType>"
                + "<ContentTransferEncoded>" + java.util.Base64.getEncoder().encodeToString(new byte[112_500])
                + "</ContentTransferEncoded></Attachment></AttachmentEncoded></edXML>";
        return small.replace("</edXML:edXMLEnvelope>\n</edXML>", "</edXML:edXMLEnvelope>\n" + attachment)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void aFullStoreAnswers507AndTakesDocumentsAgainWithoutRestartOnceItsSizeIsRaised() throws Exception {
        List<String> accepted = new ArrayList<>();
        Answer refused = null;
        for (int i = 0; i < 40 && refused == null; i++) {
            Answer answer = g33.submit(bigDocument("filling " + i));
            if (answer.status() == 202) {
                accepted.add(answer.json().path("id").asText());
            } else {
                refused = answer;
            }
        }
        assertTrue(refused != null, "a 1 MiB store fills up");
        assertEquals(507, refused.status(), refused.text());
        assertTrue(refused.text().contains("the appliance's store is full"), refused.text());
        for (String id : accepted) {
            assertEquals(200, g33.outboxStatus(id).status(), "accepted before the store filled: still there");
        }

        edit(c.config, "map-size-mib: 1", "map-size-mib: 1\n  max-map-size-mib: 64");
        Instant deadline = Instant.now().plusSeconds(30);
        Answer after;
        do {
            Thread.sleep(500);
            after = g33.submit(bigDocument("after the size was raised"));
        } while (after.status() == 507 && Instant.now().isBefore(deadline));
        assertEquals(202, after.status(), after.text());
        for (String id : accepted) {
            awaitRecipient(g33, id, r -> r.path("status").asText().equals("delivered"));
        }
        assertTrue(TwoAppliancesTest.metric(c, "lienthong_storage_map_used_ratio", "") > 0);
    }

    @Test
    void operatorActionsAndKeyUsageAreChainedInTheAuditLogWhichVerifiesExportsAndSurvivesABackup() throws Exception {
        String id = submit(g22, G22, H41, "audited");
        awaitRecipient(g22, id, r -> r.path("status").asText().equals("delivered"));
        Thread.sleep(1500); // key usage is written in batches, once a second

        JvmLauncher.Result verified = launcher.run(Map.of(), List.of("audit", "verify", "--config", a.config.toString()));
        assertEquals(0, verified.exitCode(), verified.output());
        assertTrue(verified.output().matches("(?s).*audit log intact: \\d+ records.*"), verified.output());

        JvmLauncher.Result exported = launcher.run(Map.of(), List.of("audit", "export", "--config", a.config.toString()));
        assertEquals(0, exported.exitCode(), exported.output());
        List<JsonNode> records = new ArrayList<>();
        for (String line : exported.output().lines().filter(l -> l.startsWith("{")).toList()) {
            records.add(new com.fasterxml.jackson.databind.ObjectMapper().readTree(line));
        }
        assertTrue(records.stream().anyMatch(r -> r.path("action").asText().endsWith("provision tenant add")
                && r.path("detail").asText().contains(G22) && r.path("detail").asText().endsWith("-> ok")), records.toString());
        assertTrue(records.stream().anyMatch(r -> r.path("action").asText().equals("key-usage")
                && r.path("detail").asText().contains("sign-")), records.toString());
        for (int i = 1; i < records.size(); i++) {
            assertEquals(records.get(i - 1).path("hash").asText(), records.get(i).path("previousHash").asText());
        }

        // A backup while the service runs; then someone alters the copy's audit log.
        Path backup = dir.resolve("backup-a");
        JvmLauncher.Result backedUp = launcher.run(Map.of(), List.of("storage", "backup", backup.toString(),
                "--config", a.config.toString()));
        assertEquals(0, backedUp.exitCode(), backedUp.output());
        Path copyConfig = dir.resolve("backup-a.yaml");
        Files.writeString(copyConfig, Files.readString(a.config).replace("path: data", "path: " + backup));
        JvmLauncher.Result copyVerified = launcher.run(Map.of(), List.of("audit", "verify", "--config", copyConfig.toString()));
        assertEquals(0, copyVerified.exitCode(), copyVerified.output());
        try (vn.lienthong.storage.Storage copy = vn.lienthong.storage.Storage.open(backup, 64L * 1024 * 1024)) {
            assertTrue(copy.outbox().get(G22, id).orElseThrow().fullyDelivered(), "the copy holds the delivery");
            assertEquals(List.of(), copy.checkIntegrity());
        }
        Path data = backup.resolve("data.mdb");
        String bytes = new String(Files.readAllBytes(data), java.nio.charset.StandardCharsets.ISO_8859_1);
        String altered = "tenant add " + G22;
        assertTrue(bytes.contains(altered));
        Files.write(data, bytes.replace(altered, "tenant add 000.00.00.X99")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        JvmLauncher.Result broken = launcher.run(Map.of(), List.of("audit", "verify", "--config", copyConfig.toString()));
        assertEquals(1, broken.exitCode(), broken.output());
        assertTrue(broken.output().matches("(?s).*error: audit record \\d+ does not fit: its content does not match its hash.*"),
                broken.output());
    }
}
