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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
import vn.lienthong.appliance.envelope.EnvelopeCodec;
import vn.lienthong.appliance.envelope.EnvelopeHeader;
import vn.lienthong.appliance.envelope.EnvelopeSealer;
import vn.lienthong.appliance.tls.JsseContexts;
import vn.lienthong.appliance.tls.PinnedServerTrustManager;
import vn.lienthong.hsm.cms.CmsSigner;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.storage.audit.AuditRecord;

/**
 * Tenants of the shared server changed while it runs, with the operator CLI in another process:
 * suspend, resume and remove take effect at the next request; quotas bound each tenant's
 * submission rate (429 with Retry-After) and its waiting documents (507), counted per tenant.
 * Deliveries to G22 cannot succeed here (its appliance is not running), so what a tenant submits
 * stays waiting in its outbox.
 */
class SharedServerTenantsTest {

    static final String G22 = "000.00.00.G22";
    static final String H41 = "000.00.00.H41";
    static final String H14 = "000.00.00.H14";
    static final String H26 = "000.00.00.H26";

    @TempDir
    static Path dir;
    static SoftHsmTestToken tokenPeer;
    static SoftHsmTestToken tokenShared;
    static DemoCa ca;
    static TestAppliance shared;
    static Token peerToken;
    static DocumentSystemClient h41;
    static DocumentSystemClient h14;
    static DocumentSystemClient h26;

    @BeforeAll
    static void startSharedServer() throws Exception {
        tokenPeer = SoftHsmTestToken.create("peer");
        tokenShared = SoftHsmTestToken.create("shared");
        ca = DemoCa.create("test CA");
        Path root = dir.resolve("root.pem");
        Files.writeString(root, DemoCa.pem(ca.root()));
        // The peer is only provisioned: its keys sign envelopes sent straight to the shared server.
        TestAppliance peer = TestAppliance.provision("peer", dir, tokenPeer, ca, root,
                List.of(new TenantSpec(G22, "Văn phòng Chính phủ", "ecp256")));
        shared = TestAppliance.provision("shared", dir, tokenShared, ca, root, List.of(
                new TenantSpec(H41, "UBND tỉnh Nghệ An", "ecp256"), new TenantSpec(H14, "UBND tỉnh Cao Bằng", "ecp256"),
                new TenantSpec(H26, "UBND tỉnh Vĩnh Phúc", "ecp256")));
        Path directory = dir.resolve("directory.json");
        Files.writeString(directory, ApplianceSetup.directoryJson(List.of(
                new ApplianceSetup.Route(G22, "https://127.0.0.1:9", peer.setup.tlsCertificateSha256()))));
        TestAppliance.cli(shared.config, List.of("directory", "import", directory.toString()));
        shared.start();
        peerToken = Token.open(tokenPeer.config());
        h41 = shared.documentSystem(H41, ca);
        h14 = shared.documentSystem(H14, ca);
        h26 = shared.documentSystem(H26, ca);
    }

    @AfterAll
    static void stop() {
        TestAppliance.closeAll(h41, h14, h26, peerToken, shared, tokenPeer, tokenShared);
    }

    @Test
    void aSuspendedTenantIsRefusedAtOnceAndResumesWithoutARestart() throws Exception {
        provision("tenant", "suspend", H41);

        Answer refused = h41.submit(edxml(H41, List.of(G22), "bị đình chỉ"));
        assertEquals(403, refused.status(), refused.text());
        assertEquals("application/problem+json", refused.contentType());
        assertEquals("urn:lienthong:problem:tenant-suspended", refused.json().path("type").asText());
        byte[] envelope = envelopeFromG22(H41);
        HttpResponse<byte[]> held = postAxis(envelope, H41);
        assertEquals(503, held.statusCode(), "the sender keeps it and retries");
        assertTrue(held.headers().firstValue("Retry-After").isPresent());
        assertTrue(new String(held.body(), StandardCharsets.UTF_8).contains("tenant-suspended"));
        String id = EnvelopeCodec.decode(envelope, Integer.MAX_VALUE).header().messageId();
        assertTrue(shared.running.storage().inbox().get(H41, id).isEmpty(), "nothing stored while suspended");
        assertEquals(202, h14.submit(edxml(H14, List.of(G22), "không ảnh hưởng")).status(), "others go on");

        provision("tenant", "resume", H41);
        assertEquals(202, h41.submit(edxml(H41, List.of(G22), "tiếp tục")).status());
        assertEquals(200, postAxis(envelope, H41).statusCode(), "the held envelope is taken when offered again");
        assertTrue(h41.inbox(0).contains(id));
    }

    @Test
    void aRemovedTenantIsRefusedEverywhereAndItsMessagesEvidenceAndAuditStay() throws Exception {
        Answer sent = h26.submit(edxml(H26, List.of(G22), "trước khi xoá"));
        assertEquals(202, sent.status(), sent.text());
        String outgoing = sent.json().path("id").asText();
        byte[] envelope = envelopeFromG22(H26);
        assertEquals(200, postAxis(envelope, H26).statusCode());
        String incoming = EnvelopeCodec.decode(envelope, Integer.MAX_VALUE).header().messageId();

        String listing = provision("tenant", "remove", H26);
        assertTrue(listing.contains("removed"), listing);

        Answer refused = h26.outboxStatus(outgoing);
        assertEquals(403, refused.status());
        assertEquals("urn:lienthong:problem:unknown-client-certificate", refused.json().path("type").asText());
        HttpResponse<byte[]> unknown = postAxis(envelopeFromG22(H26), H26);
        assertEquals(404, unknown.statusCode());
        assertTrue(new String(unknown.body(), StandardCharsets.UTF_8).contains("unknown-recipient"));
        // Kept: the signed envelope it sent, the one it received with the receipt it signed, the audit.
        assertTrue(shared.running.storage().outbox().get(H26, outgoing).isPresent());
        assertTrue(shared.running.storage().inbox().get(H26, incoming).orElseThrow().receipt().length > 0);
        List<AuditRecord> removal = new ArrayList<>();
        shared.running.storage().audit().forEach(r -> {
            if (r.detail().contains("remove " + H26)) {
                removal.add(r);
            }
        });
        assertEquals(1, removal.size(), "the removal is audited");
        assertTrue(provision("tenant", "list").lines().anyMatch(l -> l.contains(H26) && l.contains("removed")));
    }

    @Test
    void overItsSubmissionRateATenantIsAnswered429WithRetryAfterAndOthersAreNot() throws Exception {
        provision("tenant", "quota", H14, "--submissions-per-minute", "2");
        try {
            double before = metric(shared, "lienthong_quota_refusals_total",
                    "quota=\"submission-rate\",tenant=\"" + H14 + "\"");
            for (int i = 0; i < 2; i++) {
                Answer ok = h14.submit(edxml(H14, List.of(G22), "trong hạn mức " + i));
                assertEquals(202, ok.status(), ok.text());
            }
            Answer limited = h14.submit(edxml(H14, List.of(G22), "vượt hạn mức"));
            assertEquals(429, limited.status(), limited.text());
            assertEquals("urn:lienthong:problem:too-many-submissions", limited.json().path("type").asText());
            int retryAfter = Integer.parseInt(limited.header("Retry-After").orElseThrow());
            assertTrue(retryAfter >= 1 && retryAfter <= 30, "one submission is free again within 30 s: " + retryAfter);
            assertEquals(before + 1, metric(shared, "lienthong_quota_refusals_total",
                    "quota=\"submission-rate\",tenant=\"" + H14 + "\""));
            assertEquals(202, h41.submit(edxml(H41, List.of(G22), "không bị giới hạn")).status());
        } finally {
            provision("tenant", "quota", H14, "--submissions-per-minute", "0");
        }
    }

    @Test
    void overItsQueuedDocumentsATenantIsAnswered507AndNothingIsStored() throws Exception {
        long waiting = shared.running.storage().outbox().usage(H14).documents();
        provision("tenant", "quota", H14, "--queued-documents", String.valueOf(waiting + 1));
        try {
            assertEquals(202, h14.submit(edxml(H14, List.of(G22), "vừa đủ")).status());
            double acceptedBefore = metric(shared, "lienthong_documents_accepted_total", "tenant=\"" + H14 + "\"");
            Answer full = h14.submit(edxml(H14, List.of(G22), "quá hạn mức"));
            assertEquals(507, full.status(), full.text());
            assertEquals("urn:lienthong:problem:tenant-quota-exceeded", full.json().path("type").asText());
            assertEquals(acceptedBefore, metric(shared, "lienthong_documents_accepted_total",
                    "tenant=\"" + H14 + "\""), "nothing accepted");
            assertEquals(waiting + 1, shared.running.storage().outbox().usage(H14).documents());
            assertTrue(metric(shared, "lienthong_quota_refusals_total",
                    "quota=\"queued-documents\",tenant=\"" + H14 + "\"") >= 1);
            assertEquals(202, h41.submit(edxml(H41, List.of(G22), "tenant khác")).status(), "others go on");
        } finally {
            provision("tenant", "quota", H14, "--queued-documents", "0");
        }
    }

    /** Runs {@code lienthong provision --config … ARGS} in a child process while the appliance runs. */
    private static String provision(String... arguments) throws Exception {
        List<String> all = new ArrayList<>(List.of("provision", "--config", shared.config.toString()));
        all.addAll(List.of(arguments));
        JvmLauncher.Result result = new JvmLauncher().run(Map.of(), all);
        assertEquals(0, result.exitCode(), result.output());
        return result.output();
    }

    private static byte[] envelopeFromG22(String recipient) {
        byte[] payload = edxml(G22, List.of(recipient), "từ Văn phòng Chính phủ");
        EnvelopeHeader header = EnvelopeHeader.of(UUID.randomUUID().toString(), G22, List.of(recipient),
                Instant.now(), LocalApi.EDXML_CONTENT_TYPE, payload);
        return EnvelopeCodec.encode(new EnvelopeSealer(new CmsSigner(peerToken.provider())).seal(header, payload,
                peerToken.key("sign-" + G22).orElseThrow()));
    }

    private static HttpResponse<byte[]> postAxis(byte[] envelope, String recipient) throws Exception {
        try (HttpClient http = HttpClient.newBuilder()
                .sslContext(JsseContexts.client(peerToken.key("tls").orElseThrow(),
                        new PinnedServerTrustManager(() -> List.of(ca.root()), shared.setup.tlsCertificateSha256())))
                .sslParameters(JsseContexts.clientParameters())
                .build()) {
            return http.send(HttpRequest.newBuilder(shared.axis().resolve(EnvelopeReceiver.PATH))
                    .header(EnvelopeReceiver.RECIPIENT_HEADER, recipient)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(envelope))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
        }
    }
}
