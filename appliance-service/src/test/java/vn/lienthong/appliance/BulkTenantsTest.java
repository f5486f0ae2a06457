package vn.lienthong.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vn.lienthong.appliance.TwoAppliancesTest.awaitDelivered;
import static vn.lienthong.appliance.TwoAppliancesTest.edxml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
import vn.lienthong.appliance.envelope.Envelope;
import vn.lienthong.appliance.envelope.EnvelopeCodec;
import vn.lienthong.hsm.cms.CmsSignature;
import vn.lienthong.hsm.cms.CmsVerifier;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.provisioning.registry.ApplianceRegistry;

/**
 * Twenty tenants provisioned with the bulk commands ({@code provision tenant import}, {@code provision
 * cert import-tenants}: keys made in one HSM session) send to a peer appliance: each document is signed
 * by its own tenant's key, certified for its organ alone, and the peer accepts it as that organ's.
 */
class BulkTenantsTest {

    static final String G22 = "000.00.00.G22";
    static final int TENANTS = 20;

    @TempDir
    static Path dir;
    static SoftHsmTestToken bulkToken;
    static SoftHsmTestToken peerToken;
    static DemoCa ca;
    static TestAppliance bulk;
    static TestAppliance peer;
    static final List<String> organs = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        bulkToken = SoftHsmTestToken.create("bulk");
        peerToken = SoftHsmTestToken.create("peer");
        ca = DemoCa.create("test CA");
        Path root = dir.resolve("root.pem");
        Files.writeString(root, DemoCa.pem(ca.root()));
        List<TenantSpec> tenants = new ArrayList<>();
        for (int i = 1; i <= TENANTS; i++) {
            String organ = String.format("000.00.00.B%02d", i);
            organs.add(organ);
            // Both algorithms, so the bulk path makes and certifies each kind.
            tenants.add(new TenantSpec(organ, "Bulk tenant " + i, i % 5 == 0 ? "rsa2048" : "ecp256"));
        }
        bulk = TestAppliance.provisionInBulk("bulk", dir, bulkToken, ca, root, tenants);
        peer = TestAppliance.provision("peer", dir, peerToken, ca, root, List.of(new TenantSpec(G22, "Văn phòng Chính phủ",
                "ecp256")));
        bulk.start();
        peer.start();
        List<ApplianceSetup.Route> routes = new ArrayList<>();
        routes.add(new ApplianceSetup.Route(G22, peer.axis().toString(), peer.setup.tlsCertificateSha256()));
        for (String organ : organs) {
            routes.add(new ApplianceSetup.Route(organ, bulk.axis().toString(), bulk.setup.tlsCertificateSha256()));
        }
        Path directory = dir.resolve("directory.json");
        Files.writeString(directory, ApplianceSetup.directoryJson(routes));
        // The running appliances hold their stores: the operator CLI imports the directory from another process.
        for (TestAppliance appliance : List.of(bulk, peer)) {
            JvmLauncher.Result result = new JvmLauncher().run(Map.of(), List.of("provision", "--config",
                    appliance.config.toString(), "directory", "import", directory.toString()));
            assertEquals(0, result.exitCode(), result.output());
        }
    }

    @AfterAll
    static void stop() {
        TestAppliance.closeAll(bulk, peer, bulkToken, peerToken);
    }

    @Test
    void eachBulkTenantSignsWithItsOwnKeyCertifiedForItsOrganAndThePeerAcceptsItAsThatOrgan() throws Exception {
        Map<String, PublicKey> signerKeys = new LinkedHashMap<>();
        for (String organ : organs) {
            try (DocumentSystemClient dms = bulk.documentSystem(organ, ca)) {
                Answer sent = dms.submit(edxml(organ, List.of(G22), "gửi từ " + organ));
                assertEquals(202, sent.status(), sent.text());
                String id = sent.json().path("id").asText();
                awaitDelivered(dms, id, 1);
                Envelope envelope = EnvelopeCodec.decode(bulk.running.storage().outbox().get(organ, id).orElseThrow()
                        .envelope(), Integer.MAX_VALUE);
                CmsSignature signature = CmsVerifier.verifyDetached(envelope.signature(), envelope.signedBytes());
                X509Certificate signer = signature.signer();
                assertEquals("CN=" + organ + ",O=Bulk tenant " + (organs.indexOf(organ) + 1) + ",C=VN",
                        signer.getSubjectX500Principal().getName(), "the signer is certified for its own organ");
                assertNotEquals(signer.getSubjectX500Principal(), signer.getIssuerX500Principal(),
                        "certified by the CA, not the placeholder");
                signer.verify(ca.root().getPublicKey());
                signerKeys.put(organ, signer.getPublicKey());
            }
        }
        Set<PublicKey> distinct = new HashSet<>(signerKeys.values());
        assertEquals(TENANTS, distinct.size(), "twenty tenants, twenty keys");
    }

    @Test
    void aBulkImportNamingAnExistingTenantIsRefusedAndChangesNothing() throws Exception {
        Path file = dir.resolve("again.json");
        Files.writeString(file, "{\"tenants\": [{\"organId\": \"000.00.00.C01\", \"name\": \"New\"},"
                + " {\"organId\": \"" + organs.getFirst() + "\", \"name\": \"Again\"}]}");
        JvmLauncher.Result result = new JvmLauncher().run(Map.of(), List.of("provision", "--config",
                bulk.config.toString(), "tenant", "import", file.toString(), "--csr-dir", dir.resolve("again").toString()));
        assertNotEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains(organs.getFirst() + " is already a tenant"), result.output());
        assertTrue(new ApplianceRegistry(bulk.running.storage().registry()).tenant("000.00.00.C01").isEmpty(),
                "nothing added");
    }
}
