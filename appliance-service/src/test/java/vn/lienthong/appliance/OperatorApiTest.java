package vn.lienthong.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.appliance.demo.ApplianceSetup.TenantSpec;
import vn.lienthong.appliance.demo.DemoCa;
import vn.lienthong.appliance.demo.DocumentSystemClient;
import vn.lienthong.appliance.audit.RefusalAudit;
import vn.lienthong.appliance.ops.OperatorApi;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.provisioning.registry.TenantStatus;
import vn.lienthong.storage.audit.AuditRecord;

/**
 * The operator API on its mutual-TLS listener: each operator is their client certificate, their
 * role decides what they may do, a change takes effect at once, and every call, allowed or not,
 * is in the audit log with the operator's name and role.
 */
class OperatorApiTest {

    static final String H41 = "000.00.00.H41";

    @TempDir
    static Path dir;
    static SoftHsmTestToken token;
    static DemoCa ca;
    static TestAppliance appliance;
    static DocumentSystemClient h41;
    static HttpClient observer;
    static HttpClient registrar;
    static HttpClient security;
    static HttpClient stranger;

    @BeforeAll
    static void start() throws Exception {
        token = SoftHsmTestToken.create("operator");
        ca = DemoCa.create("test CA");
        Path root = dir.resolve("root.pem");
        Files.writeString(root, DemoCa.pem(ca.root()));
        appliance = TestAppliance.provision("shared", dir, token, ca, root,
                List.of(new TenantSpec(H41, "UBND tỉnh Nghệ An", "ecp256")));
        Files.writeString(appliance.config, Files.readString(appliance.config).replace(
                "  ops:  { host: 127.0.0.1, port: 0 }",
                "  ops:  { host: 127.0.0.1, port: 0 }\n  operator: { host: 127.0.0.1, port: 0 }"));
        observer = operator("Olga Quan Sát", "observer", true);
        registrar = operator("Đăng Ký Viên", "registration-officer", true);
        security = operator("An Ninh Viên", "security-officer", true);
        stranger = operator("Người Lạ", "observer", false);
        appliance.start();
        h41 = appliance.documentSystem(H41, ca);
    }

    @AfterAll
    static void stop() {
        TestAppliance.closeAll(h41, observer, registrar, security, stranger, appliance, token);
    }

    @Test
    void anObserverReadsTenantsAndCertificatesButMayNotChangeATenant() throws Exception {
        HttpResponse<String> tenants = call(observer, "GET", "/operator/v1/tenants", null);
        assertEquals(200, tenants.statusCode(), tenants.body());
        assertTrue(tenants.body().contains(H41) && tenants.body().contains("\"status\":\"active\""), tenants.body());
        HttpResponse<String> certificates = call(observer, "GET", "/operator/v1/certificates", null);
        assertEquals(200, certificates.statusCode(), certificates.body());
        assertTrue(certificates.body().contains("\"tenant\":\"" + H41 + "\",\"usage\":\"signing\""), certificates.body());

        long before = auditSize();
        HttpResponse<String> refused = call(observer, "POST", "/operator/v1/tenants/" + H41 + "/suspend", "");
        assertEquals(403, refused.statusCode());
        assertTrue(refused.body().contains("role-not-permitted"), refused.body());
        assertEquals(TenantStatus.ACTIVE, registry().tenant(H41).orElseThrow().status());
        AuditRecord record = onlyRecordSince(before);
        assertTrue(record.actor().startsWith("operator:Olga Quan Sát role:observer sha256:"), record.actor());
        assertTrue(record.detail().contains("/suspend -> 403 role-not-permitted"), record.detail());
    }

    @Test
    void aRegistrationOfficerSuspendsAndResumesATenantAtOnceAndSetsItsQuota() throws Exception {
        long before = auditSize();
        assertEquals(200, call(registrar, "POST", "/operator/v1/tenants/" + H41 + "/suspend", "").statusCode());
        DocumentSystemClient.Answer suspended = h41.fetch(UUID.randomUUID().toString());
        assertEquals(403, suspended.status());
        assertEquals("urn:lienthong:problem:tenant-suspended", suspended.json().path("type").asText());
        assertEquals(200, call(registrar, "POST", "/operator/v1/tenants/" + H41 + "/resume", "").statusCode());
        assertEquals(404, h41.fetch(UUID.randomUUID().toString()).status(), "active again: an unknown id is 404");

        HttpResponse<String> quota = call(registrar, "PUT", "/operator/v1/tenants/" + H41 + "/quota",
                "{\"queuedDocuments\":500,\"submissionsPerMinute\":120,\"inboxDocuments\":100000,\"inboxBytes\":1073741824}");
        assertEquals(200, quota.statusCode(), quota.body());
        assertEquals(500, registry().tenant(H41).orElseThrow().quota().queuedDocuments());
        assertEquals(120, registry().tenant(H41).orElseThrow().quota().submissionsPerMinute());
        assertEquals(100000, registry().tenant(H41).orElseThrow().quota().inboxDocuments());
        assertEquals(1073741824, registry().tenant(H41).orElseThrow().quota().inboxBytes());

        List<AuditRecord> records = recordsSince(before);
        assertEquals(3, records.size(), records.toString());
        assertTrue(records.stream().allMatch(r -> r.actor().startsWith("operator:Đăng Ký Viên role:registration-officer")));
        assertTrue(records.getFirst().detail().endsWith("/suspend -> 200"), records.getFirst().detail());
    }

    @Test
    void onlyTheSecurityOfficerReloadsTheKeys() throws Exception {
        assertEquals(403, call(registrar, "POST", "/operator/v1/keys/reload", "").statusCode());
        assertEquals(204, call(security, "POST", "/operator/v1/keys/reload", "").statusCode());
    }

    @Test
    void aCertificateThatIsNoOperatorsIsRefusedAndAudited() throws Exception {
        long before = auditSize();
        HttpResponse<String> refused = call(stranger, "GET", "/operator/v1/tenants", null);
        assertEquals(403, refused.statusCode());
        assertTrue(refused.body().contains("unknown-operator"), refused.body());
        assertEquals(403, call(stranger, "GET", "/operator/v1/certificates", null).statusCode());
        assertTrue(recordsSince(before).isEmpty(), "no per-call record for a certificate that is no operator's");
        appliance.running.flushRefusals();
        List<AuditRecord> refusals = new ArrayList<>();
        appliance.running.storage().audit().forEach(r -> {
            if (r.sequence() > before && r.action().equals(RefusalAudit.ACTION)) {
                refusals.add(r);
            }
        });
        assertEquals(1, refusals.size(), "one aggregate for both calls: " + refusals);
        AuditRecord record = refusals.getFirst();
        assertTrue(record.actor().startsWith("operator:CN=") && record.actor().contains(" sha256:"), record.actor());
        assertTrue(record.detail().contains("listener=operator reason=unknown-operator count=2"), record.detail());
    }

    // --- helpers -----------------------------------------------------------------------------

    /** An HTTPS client with a new operator certificate, registered in {@code role} with the CLI if {@code registered}. */
    private static HttpClient operator(String name, String role, boolean registered) throws Exception {
        KeyPair key = DemoCa.ecKeyPair();
        X509Certificate certificate = ca.issue(new X500Name("CN=" + name), key.getPublic(), DemoCa.Profile.DMS_CLIENT,
                List.of(), List.of());
        if (registered) {
            Path file = dir.resolve(UUID.randomUUID() + ".pem");
            Files.writeString(file, DemoCa.pem(certificate));
            TestAppliance.cli(appliance.config, List.of("operator", "add", name, "--role", role, "--cert",
                    file.toString()));
        }
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        char[] password = "in-memory".toCharArray();
        keys.setKeyEntry("operator", key.getPrivate(), password, new X509Certificate[] {certificate});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("root", ca.root());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(tls).build();
    }

    private static HttpResponse<String> call(HttpClient client, String method, String path, String body)
            throws Exception {
        URI base = URI.create("https://localhost:" + appliance.running.operatorUri().orElseThrow().getPort());
        return client.send(HttpRequest.newBuilder(base.resolve(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json")
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static vn.lienthong.provisioning.registry.ApplianceRegistry registry() {
        return new vn.lienthong.provisioning.registry.ApplianceRegistry(appliance.running.storage().registry());
    }

    private static long auditSize() {
        return appliance.running.storage().audit().size();
    }

    private static List<AuditRecord> recordsSince(long size) {
        List<AuditRecord> records = new ArrayList<>();
        appliance.running.storage().audit().forEach(r -> {
            if (r.sequence() > size && r.action().equals(OperatorApi.ACTION)) {
                records.add(r);
            }
        });
        return records;
    }

    private static AuditRecord onlyRecordSince(long size) {
        List<AuditRecord> records = recordsSince(size);
        assertEquals(1, records.size(), records.toString());
        return records.getFirst();
    }
}
