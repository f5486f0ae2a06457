package vn.lienthong.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vn.lienthong.appliance.TwoAppliancesTest.awaitDelivered;
import static vn.lienthong.appliance.TwoAppliancesTest.edxml;
import static vn.lienthong.appliance.TwoAppliancesTest.metric;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import vn.lienthong.appliance.axis.EnvelopeReceiver;
import vn.lienthong.appliance.cli.JvmLauncher;
import vn.lienthong.appliance.demo.ApplianceSetup;
import vn.lienthong.appliance.demo.ApplianceSetup.TenantSpec;
import vn.lienthong.appliance.demo.DemoCa;
import vn.lienthong.appliance.demo.DocumentSystemClient;
import vn.lienthong.appliance.demo.DocumentSystemClient.Answer;
import vn.lienthong.appliance.evidence.EvidenceCommand;
import vn.lienthong.appliance.tenancy.IsolationAudit;
import vn.lienthong.appliance.tls.JsseContexts;
import vn.lienthong.appliance.tls.PinnedServerTrustManager;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.testing.TestCertificateAuthority;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.storage.audit.AuditRecord;

/**
 * Revocation against two running appliances: certificates are revoked with the demo CA's key and
 * the real {@code openssl ca}, the CRL imported with the operator CLI in another process while the
 * appliances run, and each revoked certificate is refused at its next use without a restart. The
 * tests run in order, since each CRL also lists what the ones before revoked.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RevocationTest {

    static final String G22 = "000.00.00.G22";
    static final String H41 = "000.00.00.H41";

    @TempDir
    static Path dir;
    static SoftHsmTestToken tokenA;
    static SoftHsmTestToken tokenB;
    static DemoCa ca;
    static Path caDir;
    static TestAppliance a;
    static TestAppliance b;
    static DocumentSystemClient g22;
    static DocumentSystemClient h41;
    /** Evidence of a document G22 sent H41 before anything was revoked. */
    static Path evidence;

    @BeforeAll
    static void startTwoAppliances() throws Exception {
        tokenA = SoftHsmTestToken.create("ra");
        tokenB = SoftHsmTestToken.create("rb");
        ca = DemoCa.create("revoking CA");
        caDir = dir.resolve("ca");
        ca.writeTo(caDir);
        Path root = caDir.resolve("root.pem");
        a = TestAppliance.provision("a", dir, tokenA, ca, root, List.of(new TenantSpec(G22, "Văn phòng Chính phủ", "ecp256")));
        b = TestAppliance.provision("b", dir, tokenB, ca, root, List.of(new TenantSpec(H41, "UBND tỉnh Nghệ An", "ecp256")));
        a.start();
        b.start();
        Path directory = dir.resolve("directory.json");
        Files.writeString(directory, ApplianceSetup.directoryJson(List.of(
                new ApplianceSetup.Route(G22, a.axis().toString(), a.setup.tlsCertificateSha256()),
                new ApplianceSetup.Route(H41, b.axis().toString(), b.setup.tlsCertificateSha256()))));
        for (TestAppliance appliance : List.of(a, b)) {
            JvmLauncher.Result result = new JvmLauncher().run(Map.of(), List.of("provision", "--config",
                    appliance.config.toString(), "directory", "import", directory.toString()));
            assertEquals(0, result.exitCode(), result.output());
        }
        g22 = a.documentSystem(G22, ca);
        h41 = b.documentSystem(H41, ca);

        Answer submitted = g22.submit(edxml(G22, List.of(H41), "trước khi thu hồi"));
        assertEquals(202, submitted.status(), submitted.text());
        String id = submitted.json().path("id").asText();
        awaitDelivered(g22, id, 1);
        Answer zip = g22.evidence(id, H41);
        assertEquals(200, zip.status(), zip.text());
        evidence = Files.write(dir.resolve("before.evidence.zip"), zip.body());
    }

    @AfterAll
    static void stop() {
        TestAppliance.closeAll(g22, h41, a, b, tokenA, tokenB);
    }

    @Test
    @Order(1)
    void theDemoCaKeepsAKeyOpensslCanUseReadableByItsOwnerOnly() throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(caDir.resolve("root.key"))));
        assertTrue(Files.readString(caDir.resolve("root.key")).startsWith("-----BEGIN PRIVATE KEY-----"));
        String checked = openssl("pkey", "-in", "root.key", "-noout", "-check");
        assertTrue(checked.contains("valid"), checked);
    }

    @Test
    @Order(2)
    void aRevokedDocumentSystemIsRefusedAtItsNextRequestWithoutARestart() throws Exception {
        assertEquals(404, h41.outboxStatus(UUID.randomUUID().toString()).status(), "before: H41's document system is served");
        b.running.flushRefusals(); // a new window of refusal aggregates: its first request is this test's
        long auditBefore = b.running.storage().audit().size();

        Path crl = revoke(b.dir.resolve("dms/" + H41 + ".crt"), null);
        importWithTheCli(b, crl);

        // The same client, on its kept-alive connection or a new one: refused at the request.
        Answer refused = h41.outboxStatus(UUID.randomUUID().toString());
        assertEquals(403, refused.status(), refused.text());
        assertEquals("urn:lienthong:problem:certificate-revoked", refused.json().path("type").asText(), refused.text());
        AuditRecord record = auditSince(b, auditBefore, r -> r.detail().contains("reason=certificate-revoked"));
        assertTrue(record.actor().contains("CN=DMS " + H41), record.actor());
        // Nothing else was revoked: appliance a and its document system are untouched.
        assertEquals(404, g22.outboxStatus(UUID.randomUUID().toString()).status());
        assertTrue(metric(b, "lienthong_crl_next_update_seconds", "revoking CA") > 6 * 24 * 3600,
                "the CRL's nextUpdate, a week ahead, is on b's metrics");
    }

    @Test
    @Order(3)
    void aReceiptSignedByARevokedKeyIsRefusedAndAudited() throws Exception {
        Path crl = revoke(b.dir.resolve("certs/" + H41 + ".pem"), null);
        importWithTheCli(a, crl);
        a.running.flushRefusals(); // a new window of refusal aggregates: its first request is this test's
        long auditBefore = a.running.storage().audit().size();

        Answer submitted = g22.submit(edxml(G22, List.of(H41), "biên nhận thu hồi"));
        assertEquals(202, submitted.status(), submitted.text());

        AuditRecord record = auditSince(a, auditBefore, r -> r.detail().contains("listener=forwarder")
                && r.detail().contains("reason=certificate-revoked") && r.detail().contains("receipt of message "
                + submitted.json().path("id").asText()));
        assertTrue(record.detail().contains("tenant=" + G22), record.detail());
        assertTrue(!g22.outboxStatus(submitted.json().path("id").asText()).json().path("delivered").asBoolean());
    }

    @Test
    @Order(4)
    void anEnvelopeSignedByARevokedKeyIsRefusedAndAuditedAndEvidenceVerifyReportsIt() throws Exception {
        Path crl = revoke(a.dir.resolve("certs/" + G22 + ".pem"), "keyCompromise");
        importWithTheCli(b, crl);
        b.running.flushRefusals(); // a new window of refusal aggregates: its first request is this test's
        long auditBefore = b.running.storage().audit().size();

        Answer submitted = g22.submit(edxml(G22, List.of(H41), "thư thu hồi"));
        assertEquals(202, submitted.status(), submitted.text());

        AuditRecord record = auditSince(b, auditBefore, r -> r.detail().contains("listener=axis")
                && r.detail().contains("reason=certificate-revoked"));
        assertTrue(record.detail().contains("message: " + submitted.json().path("id").asText()), record.detail());
        assertTrue(metric(b, "lienthong_documents_rejected_total", "certificate-revoked") >= 1);

        // Offline: the evidence made before the revocation names the revoked signer (keyCompromise: any date).
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new EvidenceCommand()).setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true)).execute("verify", evidence.toString(),
                        "--trust", caDir.resolve("root.pem").toString(), "--crl", crl.toString());
        assertEquals(1, exit, out + "\n" + err);
        assertTrue(err.toString().startsWith("error: the envelope signer is revoked: certificate 'CN=" + G22), err.toString());
        assertTrue(err.toString().contains("(key_compromise)"), err.toString());
        // Without the CRL the same evidence verifies: it is the CRL that tells.
        int withoutCrl = new CommandLine(new EvidenceCommand()).setOut(new PrintWriter(new StringWriter(), true))
                .execute("verify", evidence.toString(), "--trust", caDir.resolve("root.pem").toString());
        assertEquals(0, withoutCrl);
    }

    @Test
    @Order(5)
    void aRevokedPeerTlsCertificateIsRefusedAtTheNextHandshake() throws Exception {
        try (Token peerA = Token.open(tokenA.config())) {
            TokenKey aTls = peerA.key("tls").orElseThrow();
            assertEquals(400, axisGet(aTls, new PinnedServerTrustManager(() -> List.of(ca.root()),
                    b.setup.tlsCertificateSha256())).statusCode(), "before: a's TLS identity reaches b's axis");

            revoke(b.dir.resolve("certs/tls.pem"), null);
            Path crl = revoke(a.dir.resolve("certs/tls.pem"), null);
            importWithTheCli(b, crl);
            importWithTheCli(a, crl);
            a.running.flushRefusals(); // a new window of refusal aggregates: its first request is this test's
            long auditBefore = a.running.storage().audit().size();

            // b refuses a's revoked client certificate at the handshake...
            assertThrows(IOException.class, () -> axisGet(aTls, new PinnedServerTrustManager(() -> List.of(ca.root()),
                    b.setup.tlsCertificateSha256())));
            // ...and a, through the trust its forwarder uses, refuses b's revoked server certificate.
            ApplianceRegistry registryA = new ApplianceRegistry(a.running.storage().registry());
            IOException refusedByA = assertThrows(IOException.class, () -> axisGet(aTls, new PinnedServerTrustManager(
                    registryA::trustAnchors, registryA::revocationLists, b.setup.tlsCertificateSha256())));
            assertTrue(causes(refusedByA).contains("was revoked by"), causes(refusedByA));
            // a's forwarder: nothing reaches b, attempt after attempt, on a kept-alive connection or a new one.
            Answer submitted = g22.submit(edxml(G22, List.of(H41), "máy chủ thu hồi"));
            assertEquals(202, submitted.status(), submitted.text());
            String id = submitted.json().path("id").asText();
            Answer status = awaitAnswer(() -> g22.outboxStatus(id),
                    answer -> answer.json().path("recipients").path(0).path("attempts").asInt() >= 2);
            assertTrue(status.json().path("recipients").path(0).path("attempts").asInt() >= 2, status.text());
            assertTrue(!status.json().path("delivered").asBoolean(), status.text());
        }
    }

    @Test
    @Order(6)
    void aCrlPastItsNextUpdateFailsClosedForItsIssuer() throws Exception {
        Instant now = Instant.now();
        ApplianceRegistry registry = new ApplianceRegistry(a.running.storage().registry());
        registry.importCrl(TestCertificateAuthority.crl(ca.root(), ca.privateKey(), now.plusSeconds(1),
                now.plusSeconds(4)), List.of(), now);
        assertEquals(404, g22.outboxStatus(UUID.randomUUID().toString()).status(), "fresh: G22's document system still works");

        Answer refused = awaitAnswer(() -> g22.outboxStatus(UUID.randomUUID().toString()), answer -> answer.status() == 403);
        assertEquals("urn:lienthong:problem:crl-out-of-date", refused.json().path("type").asText(), refused.text());
        assertTrue(metric(a, "lienthong_crl_next_update_seconds", "revoking CA") < 0);
    }

    // --- helpers -----------------------------------------------------------------------------

    /** Revokes the certificate in {@code pem} with {@code openssl ca} (reason optional) and returns the new CRL. */
    private static Path revoke(Path pem, String reason) throws Exception {
        List<String> command = new ArrayList<>(List.of("ca", "-config", "openssl.cnf", "-revoke", pem.toString()));
        if (reason != null) {
            command.addAll(List.of("-crl_reason", reason));
        }
        openssl(command.toArray(String[]::new));
        Path crl = caDir.resolve("crl-" + System.nanoTime() + ".pem");
        openssl("ca", "-config", "openssl.cnf", "-gencrl", "-out", crl.toString());
        return crl;
    }

    private static String openssl(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).directory(caDir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "openssl finished");
        assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + output);
        return output;
    }

    /** {@code lienthong provision crl import} in another process, while the appliance runs. */
    private static void importWithTheCli(TestAppliance appliance, Path crl) throws Exception {
        JvmLauncher.Result result = new JvmLauncher().run(Map.of(), List.of("provision", "--config",
                appliance.config.toString(), "crl", "import", crl.toString()));
        assertEquals(0, result.exitCode(), result.output());
    }

    private static HttpResponse<String> axisGet(TokenKey tls, PinnedServerTrustManager trust) throws Exception {
        try (HttpClient client = HttpClient.newBuilder()
                .sslContext(JsseContexts.client(tls, trust))
                .sslParameters(JsseContexts.clientParameters())
                .build()) {
            return client.send(HttpRequest.newBuilder(b.axis().resolve(EnvelopeReceiver.PATH))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static String causes(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            text.append(t.getMessage()).append(" / ");
        }
        return text.toString();
    }

    private static AuditRecord auditSince(TestAppliance appliance, long sizeBefore, Predicate<AuditRecord> wanted)
            throws Exception {
        return awaitAudit(appliance, sizeBefore, wanted).orElseThrow(() -> new AssertionError(
                "no such audit record in " + appliance.name));
    }

    /** Waits up to 30 s (flushing the refusal aggregates) for a refused record appended since {@code sizeBefore} that is {@code wanted}. */
    private static java.util.Optional<AuditRecord> awaitAudit(TestAppliance appliance, long sizeBefore,
                                                              Predicate<AuditRecord> wanted) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (Instant.now().isBefore(deadline)) {
            appliance.running.flushRefusals();
            List<AuditRecord> found = new ArrayList<>();
            appliance.running.storage().audit().forEach(r -> {
                if (r.sequence() > sizeBefore && r.action().equals(IsolationAudit.ACTION) && wanted.test(r)) {
                    found.add(r);
                }
            });
            if (!found.isEmpty()) {
                return java.util.Optional.of(found.getFirst());
            }
            Thread.sleep(100);
        }
        return java.util.Optional.empty();
    }

    @FunctionalInterface
    private interface Call {
        Answer call() throws Exception;
    }

    private static Answer awaitAnswer(Call call, Predicate<Answer> wanted) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        Answer answer = call.call();
        while (!wanted.test(answer) && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
            answer = call.call();
        }
        return answer;
    }
}
