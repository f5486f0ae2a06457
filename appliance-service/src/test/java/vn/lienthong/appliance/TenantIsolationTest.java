package vn.lienthong.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vn.lienthong.appliance.TwoAppliancesTest.edxml;
import static vn.lienthong.appliance.TwoAppliancesTest.metric;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.appliance.api.LocalApi;
import vn.lienthong.appliance.axis.EnvelopeReceiver;
import vn.lienthong.appliance.cli.JvmLauncher;
import vn.lienthong.appliance.demo.ApplianceSetup;
import vn.lienthong.appliance.demo.ApplianceSetup.TenantSpec;
import vn.lienthong.appliance.demo.DemoCa;
import vn.lienthong.appliance.demo.DocumentSystemClient;
import vn.lienthong.appliance.demo.DocumentSystemClient.Answer;
import vn.lienthong.appliance.envelope.Envelope;
import vn.lienthong.appliance.envelope.EnvelopeCodec;
import vn.lienthong.appliance.envelope.EnvelopeHeader;
import vn.lienthong.appliance.tenancy.IsolationAudit;
import vn.lienthong.appliance.tls.JsseContexts;
import vn.lienthong.appliance.tls.PinnedServerTrustManager;
import vn.lienthong.hsm.cms.CmsSigner;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.storage.Storage;
import vn.lienthong.storage.audit.AuditRecord;
import vn.lienthong.storage.queue.Delivery;
import vn.lienthong.storage.queue.InboxEntry;

/**
 * The adversarial suite of the shared server: tenant A (H41) holds a valid DMS client certificate
 * on the same appliance as tenant B (H14) and tries every way into B's queues and identity. Each
 * attempt fails, is counted in {@code lienthong_isolation_refusals_total}, is recorded in the audit
 * log, and leaves B's stored messages exactly as they were.
 */
class TenantIsolationTest {

    static final String G22 = "000.00.00.G22";
    static final String A = "000.00.00.H41";
    static final String B = "000.00.00.H14";

    @TempDir
    static Path dir;
    static SoftHsmTestToken tokenPeer;
    static SoftHsmTestToken tokenShared;
    static DemoCa ca;
    static TestAppliance peer;
    static TestAppliance shared;
    static DocumentSystemClient g22;
    static DocumentSystemClient tenantA;
    static DocumentSystemClient tenantB;
    static Token peerToken;
    static Path directory;
    /** A document G22 sent to B, waiting unacknowledged in B's inbox. */
    static String bInboxId;
    /** A document B sent to G22, delivered, with its receipt in B's outbox. */
    static String bOutboxId;
    static String bSnapshot;

    @BeforeAll
    static void startPeerAndSharedServer() throws Exception {
        tokenPeer = SoftHsmTestToken.create("peer");
        tokenShared = SoftHsmTestToken.create("shared");
        ca = DemoCa.create("test CA");
        Path root = dir.resolve("root.pem");
        Files.writeString(root, DemoCa.pem(ca.root()));
        peer = TestAppliance.provision("peer", dir, tokenPeer, ca, root,
                List.of(new TenantSpec(G22, "Văn phòng Chính phủ", "ecp256")));
        shared = TestAppliance.provision("shared", dir, tokenShared, ca, root, List.of(
                new TenantSpec(A, "UBND tỉnh Nghệ An", "ecp256"), new TenantSpec(B, "UBND tỉnh Cao Bằng", "ecp256")));
        peer.start();
        shared.start();
        directory = dir.resolve("directory.json");
        importDirectory(List.of(
                new ApplianceSetup.Route(G22, peer.axis().toString(), peer.setup.tlsCertificateSha256()),
                new ApplianceSetup.Route(A, shared.axis().toString(), shared.setup.tlsCertificateSha256()),
                new ApplianceSetup.Route(B, shared.axis().toString(), shared.setup.tlsCertificateSha256())));
        g22 = peer.documentSystem(G22, ca);
        tenantA = shared.documentSystem(A, ca);
        tenantB = shared.documentSystem(B, ca);
        peerToken = Token.open(tokenPeer.config());

        // B's state, which no attempt below may change: one message in, one message out.
        bInboxId = submitted(g22, edxml(G22, List.of(B), "gửi Cao Bằng"));
        bOutboxId = submitted(tenantB, edxml(B, List.of(G22), "Cao Bằng gửi"));
        awaitDelivered(g22, bInboxId);
        awaitDelivered(tenantB, bOutboxId);
    }

    @AfterAll
    static void stop() {
        TestAppliance.closeAll(g22, tenantA, tenantB, peerToken, peer, shared, tokenPeer, tokenShared);
    }

    @BeforeEach
    void takeSnapshotOfB() {
        bSnapshot = snapshotOfB();
    }

    // --- the local API: A's document system with A's valid client certificate ----------------

    @Test
    void tenantACannotFetchOrAcknowledgeBsInboxMessage() throws Exception {
        assertRefusedOnApi(() -> tenantA.fetch(bInboxId), 404, "unknown-message", bInboxId);
        assertRefusedOnApi(() -> tenantA.acknowledge(bInboxId), 404, "unknown-message", bInboxId);
        assertTrue(tenantB.inbox(0).contains(bInboxId), "B still sees its message");
    }

    @Test
    void tenantACannotReadTheStatusOrEvidenceOfBsOutboxMessage() throws Exception {
        assertRefusedOnApi(() -> tenantA.outboxStatus(bOutboxId), 404, "unknown-message", bOutboxId);
        assertRefusedOnApi(() -> tenantA.evidence(bOutboxId, G22), 404, "unknown-message", bOutboxId);
        assertEquals(200, tenantB.evidence(bOutboxId, G22).status(), "B still gets its evidence");
    }

    @Test
    void tenantACannotSendWithBAsTheSender() throws Exception {
        assertRefusedOnApi(() -> tenantA.submit(edxml(B, List.of(G22), "mạo danh Cao Bằng")), 403,
                "sender-not-tenant", "POST /api/v1/outbox");
    }

    @Test
    void tenantAGuessingAMessageIdLearnsNothingAndIsRecorded() throws Exception {
        String guess = UUID.randomUUID().toString();
        Answer answer = assertRefusedOnApi(() -> tenantA.fetch(guess), 404, "unknown-message", guess);
        Answer foreign = tenantA.fetch(bInboxId);
        assertEquals(answer.json().path("title").asText(), foreign.json().path("title").asText(),
                "another tenant's id and a guessed one are answered alike");
    }

    // --- the axis: A (or an appliance acting for another organ) replays and impersonates -----

    @Test
    void aReplayOfBsEnvelopeWithAsClientCertificateIsRefused() throws Exception {
        // What B received, as an attacker who captured it would hold it.
        byte[] captured = shared.running.storage().inbox().get(B, bInboxId).orElseThrow().envelope();
        SSLContext asTenantA = dmsTlsClient(A);
        assertRefusedOnAxis(asTenantA, captured, B, 403, "peer-not-sender-appliance");
        assertRefusedOnAxis(asTenantA, captured, A, 400, "not-a-recipient");
        // Even through the genuine sender appliance, the same envelope is not stored twice.
        assertEquals(200, postAxis(JsseContexts.client(peerToken.key("tls").orElseThrow(), serverPin()), captured, B)
                .statusCode());
        assertEquals(bSnapshot, snapshotOfB(), "a resent envelope is answered with its first receipt, stored once");
    }

    @Test
    void anApplianceTheDirectoryPinsForAnotherOrganCannotPostEnvelopesAsB() throws Exception {
        SSLContext asPeer = JsseContexts.client(peerToken.key("tls").orElseThrow(), serverPin());
        assertRefusedOnAxis(asPeer, envelopeClaimingB(), A, 403, "peer-not-sender-appliance");
    }

    @Test
    void aDirectoryEntryThatPinsBsOrganToAnotherApplianceDoesNotLetItSpeakForB() throws Exception {
        // The routing directory is tampered with: B's organ now points at the peer appliance.
        importDirectory(List.of(
                new ApplianceSetup.Route(G22, peer.axis().toString(), peer.setup.tlsCertificateSha256()),
                new ApplianceSetup.Route(A, shared.axis().toString(), shared.setup.tlsCertificateSha256()),
                new ApplianceSetup.Route(B, peer.axis().toString(), peer.setup.tlsCertificateSha256())));
        try {
            SSLContext asPeer = JsseContexts.client(peerToken.key("tls").orElseThrow(), serverPin());
            assertRefusedOnAxis(asPeer, envelopeClaimingB(), A, 403, "peer-not-sender-appliance");
        } finally {
            importDirectory(List.of(
                    new ApplianceSetup.Route(G22, peer.axis().toString(), peer.setup.tlsCertificateSha256()),
                    new ApplianceSetup.Route(A, shared.axis().toString(), shared.setup.tlsCertificateSha256()),
                    new ApplianceSetup.Route(B, shared.axis().toString(), shared.setup.tlsCertificateSha256())));
        }
    }

    @Test
    void storageKeysAndMetricLabelsAreTenantScoped() throws Exception {
        // Each tenant's messages are found under its own key range only.
        assertTrue(shared.running.storage().inbox().get(A, bInboxId).isEmpty());
        assertTrue(shared.running.storage().outbox().get(A, bOutboxId).isEmpty());
        assertTrue(metric(shared, "lienthong_documents_accepted_total", "tenant=\"" + B + "\"") >= 1);
        assertEquals(0, metric(shared, "lienthong_documents_accepted_total", "tenant=\"" + A + "\""));
        assertTrue(metric(shared, "lienthong_queue_depth", "queue=\"inbox\",tenant=\"" + B + "\"") >= 1);
        double secondsLeft = metric(shared, "lienthong_certificate_expiry_seconds",
                "tenant=\"" + B + "\",usage=\"signing\"");
        assertTrue(secondsLeft > 300 * 86400.0, "B's signing certificate has about a year left: " + secondsLeft);
        assertTrue(metric(shared, "lienthong_certificate_expiry_seconds", "tenant=\"appliance\",usage=\"tls\"") > 0);
    }

    @Test
    void readinessCarriesNoCertificateWarningWhileEveryCertificateHasMoreThan30Days() throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> ready = http.send(HttpRequest.newBuilder(shared.running.opsUri().resolve("/health/ready"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ready.statusCode(), ready.body());
            assertTrue(!ready.body().contains("warnings"), ready.body());
        }
    }

    // --- helpers -----------------------------------------------------------------------------

    @FunctionalInterface
    interface Call {
        Answer call() throws Exception;
    }

    private static Answer assertRefusedOnApi(Call call, int status, String reason, String requestPart)
            throws Exception {
        double before = isolationRefusals("api", reason);
        shared.running.flushRefusals();
        long auditBefore = shared.running.storage().audit().size();
        Answer answer = call.call();
        assertEquals(status, answer.status(), answer.text());
        assertEquals("application/problem+json", answer.contentType());
        assertEquals("urn:lienthong:problem:" + reason, answer.json().path("type").asText());
        assertEquals(before + 1, isolationRefusals("api", reason), "the attempt is counted");
        AuditRecord record = lastIsolationRecord(auditBefore);
        assertTrue(record.actor().startsWith("dms:") && record.actor().contains("sha256:"), record.actor());
        assertTrue(record.detail().contains("tenant=" + A) && record.detail().contains("reason=" + reason)
                && record.detail().contains(requestPart), record.detail());
        assertEquals(bSnapshot, snapshotOfB(), "nothing of B's changed");
        return answer;
    }

    private static void assertRefusedOnAxis(SSLContext client, byte[] envelope, String recipient, int status,
                                            String reason) throws Exception {
        double before = isolationRefusals("axis", reason);
        shared.running.flushRefusals();
        long auditBefore = shared.running.storage().audit().size();
        HttpResponse<byte[]> response = postAxis(client, envelope, recipient);
        String body = new String(response.body(), StandardCharsets.UTF_8);
        assertEquals(status, response.statusCode(), body);
        assertTrue(body.contains("urn:lienthong:problem:" + reason), body);
        assertEquals(before + 1, isolationRefusals("axis", reason), "the attempt is counted");
        AuditRecord record = lastIsolationRecord(auditBefore);
        String messageId = EnvelopeCodec.decode(envelope, Integer.MAX_VALUE).header().messageId();
        assertTrue(record.actor().startsWith("peer:"), record.actor());
        assertTrue(record.detail().contains("reason=" + reason) && record.detail().contains(messageId)
                && record.detail().contains(recipient), record.detail());
        assertEquals(bSnapshot, snapshotOfB(), "nothing of B's changed");
    }

    private static double isolationRefusals(String listener, String reason) throws Exception {
        return metric(shared, "lienthong_isolation_refusals_total",
                "listener=\"" + listener + "\",reason=\"" + reason + "\"");
    }

    /** The one isolation record appended since the audit log had {@code sizeBefore} records. */
    private static AuditRecord lastIsolationRecord(long sizeBefore) {
        shared.running.flushRefusals();
        List<AuditRecord> records = new ArrayList<>();
        shared.running.storage().audit().forEach(r -> {
            if (r.sequence() > sizeBefore && r.action().equals(IsolationAudit.ACTION)) {
                records.add(r);
            }
        });
        assertEquals(1, records.size(), "one aggregate audit record for the attempt: " + records);
        assertTrue(records.getFirst().detail().contains("count=1"), records.getFirst().detail());
        return records.getFirst();
    }

    /** Everything stored for B (its inbox and outbox entries, states, receipts, usage) as one comparable text. */
    private static String snapshotOfB() {
        Storage storage = shared.running.storage();
        StringBuilder text = new StringBuilder();
        for (InboxEntry e : storage.inbox().pending(B, 1000).stream()
                .map(s -> storage.inbox().get(B, s.id()).orElseThrow()).toList()) {
            text.append("in ").append(e.messageId()).append(' ').append(e.sender()).append(' ')
                    .append(sha256(e.envelope())).append(' ').append(sha256(e.receipt())).append(' ')
                    .append(e.receivedAt()).append(' ').append(e.acknowledgedAt()).append('\n');
        }
        text.append("visible ").append(storage.inbox().visible(B, 1000, Instant.now()).stream()
                .map(vn.lienthong.storage.queue.InboxSummary::messageId).toList()).append('\n');
        storage.inbox().get(B, bInboxId).ifPresent(e -> text.append("get ").append(e.acknowledgedAt()).append('\n'));
        var out = storage.outbox().get(B, bOutboxId).orElseThrow();
        text.append("out ").append(sha256(out.envelope())).append(' ').append(out.acceptedAt()).append('\n');
        for (Delivery d : out.deliveries()) {
            text.append("  ").append(d.recipient()).append(' ').append(d.status()).append(' ').append(d.attempts())
                    .append(' ').append(d.deliveredAt()).append(' ')
                    .append(d.receipt() == null ? "-" : sha256(d.receipt())).append('\n');
        }
        text.append("usage ").append(storage.outbox().usage(B)).append('\n');
        return text.toString();
    }

    /**
     * An envelope that claims to come from B, signed by the peer's own tenant key (all it has; our
     * sealer would refuse to sign it, an attacker's would not).
     */
    private static byte[] envelopeClaimingB() {
        byte[] payload = edxml(B, List.of(A), "giả danh Cao Bằng");
        byte[] header = EnvelopeHeader.of(UUID.randomUUID().toString(), B, List.of(A), Instant.now(),
                LocalApi.EDXML_CONTENT_TYPE, payload).toBytes();
        return EnvelopeCodec.encode(new Envelope(header, payload, new CmsSigner(peerToken.provider())
                .signDetached(peerToken.key("sign-" + G22).orElseThrow(), header)));
    }

    /** A TLS client with tenant's DMS client certificate, as that tenant's document system would have. */
    private static SSLContext dmsTlsClient(String organ) throws Exception {
        ApplianceSetup.DmsIdentity dms = shared.setup.documentSystems().get(organ);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        char[] password = "in-memory".toCharArray();
        keys.setKeyEntry("dms", dms.key(), password, new X509Certificate[] {dms.certificate()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), new javax.net.ssl.TrustManager[] {serverPin()}, null);
        return context;
    }

    private static PinnedServerTrustManager serverPin() {
        return new PinnedServerTrustManager(() -> List.of(ca.root()), shared.setup.tlsCertificateSha256());
    }

    private static HttpResponse<byte[]> postAxis(SSLContext client, byte[] envelope, String recipient)
            throws Exception {
        try (HttpClient http = HttpClient.newBuilder().sslContext(client)
                .sslParameters(JsseContexts.clientParameters()).build()) {
            return http.send(HttpRequest.newBuilder(shared.axis().resolve(EnvelopeReceiver.PATH))
                    .header(EnvelopeReceiver.RECIPIENT_HEADER, recipient)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(envelope))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
        }
    }

    /**
     * Imports the routing directory into both appliances with the CLI in a child process, while they run. It also
     * pins tenant A's document-system certificate as the appliance of an organ of its own, so that the axis lets
     * it past the handshake and its replays meet the checks on the envelope.
     */
    private static void importDirectory(List<ApplianceSetup.Route> routes) throws Exception {
        List<ApplianceSetup.Route> all = new ArrayList<>(routes);
        all.add(new ApplianceSetup.Route("000.00.00.Z99", shared.axis().toString(),
                vn.lienthong.hsm.cert.Pem.sha256Fingerprint(shared.setup.documentSystems().get(A).certificate())));
        Files.writeString(directory, ApplianceSetup.directoryJson(all));
        JvmLauncher launcher = new JvmLauncher();
        for (TestAppliance appliance : List.of(peer, shared)) {
            JvmLauncher.Result result = launcher.run(Map.of(), List.of("provision", "--config",
                    appliance.config.toString(), "directory", "import", directory.toString()));
            assertEquals(0, result.exitCode(), result.output());
        }
    }

    private static String submitted(DocumentSystemClient client, byte[] document) throws Exception {
        Answer answer = client.submit(document);
        assertEquals(202, answer.status(), answer.text());
        return answer.json().path("id").asText();
    }

    private static void awaitDelivered(DocumentSystemClient sender, String id) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (Instant.now().isBefore(deadline)) {
            if (sender.outboxStatus(id).json().path("delivered").asBoolean()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not delivered in 30 seconds: " + sender.outboxStatus(id).text());
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
