package vn.lienthong.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
import vn.lienthong.appliance.evidence.Evidence;
import vn.lienthong.appliance.evidence.EvidenceFile;
import vn.lienthong.appliance.evidence.EvidenceVerifier;
import vn.lienthong.hsm.cms.CmsVerifier;
import vn.lienthong.hsm.testing.ChildProcess;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.TokenConfig;
import vn.lienthong.provisioning.registry.Tenant;

/**
 * One appliance with two tokens: the main one (TLS identity and tenant G22) and one holding tenant
 * H41's key, chosen by {@code hsm.tokens} in the configuration. The two tenants send to each other
 * through the same appliance, concurrently, so that batches form.
 */
class ManyTokensTest {

    static final String G22 = TwoAppliancesTest.G22;
    static final String H41 = TwoAppliancesTest.H41;

    @TempDir
    static Path dir;
    static SoftHsmTestToken main;
    static SoftHsmTestToken second;
    static DemoCa ca;
    static TestAppliance appliance;
    static DocumentSystemClient g22;
    static DocumentSystemClient h41;

    @BeforeAll
    static void startAnApplianceWithTwoTokens() throws Exception {
        main = SoftHsmTestToken.create("main");
        second = SoftHsmTestToken.create("second");
        ca = DemoCa.create("test CA");
        Path root = Files.writeString(dir.resolve("root.pem"), DemoCa.pem(ca.root()));
        appliance = TestAppliance.provision("shared", dir, main, ca, root, List.of(
                        new TenantSpec(G22, "Văn phòng Chính phủ", "rsa2048"),
                        new TenantSpec(H41, "UBND tỉnh Nghệ An", "ecp256")),
                """
                  tokens:
                    - token-label: %s
                      library: %s
                      pin: file:%s
                      tenants: [ "%s" ]
                """.formatted(second.label(), TokenConfig.SOFTHSM2_LIBRARY, second.pinFile(), H41).stripTrailing());
        appliance.start();
        Path directory = Files.writeString(dir.resolve("directory.json"), ApplianceSetup.directoryJson(List.of(
                new ApplianceSetup.Route(G22, appliance.axis().toString(), appliance.setup.tlsCertificateSha256()),
                new ApplianceSetup.Route(H41, appliance.axis().toString(), appliance.setup.tlsCertificateSha256()))));
        JvmLauncher.Result imported = new JvmLauncher().run(Map.of(), List.of("provision", "--config",
                appliance.config.toString(), "directory", "import", directory.toString()));
        assertEquals(0, imported.exitCode(), imported.output());
        g22 = appliance.documentSystem(G22, ca);
        h41 = appliance.documentSystem(H41, ca);
    }

    @AfterAll
    static void stop() {
        TestAppliance.closeAll(g22, h41, appliance, main, second);
    }

    @Test
    void eachTenantsKeyIsGeneratedInTheTokenConfiguredForIt() {
        String inMain = ChildProcess.pkcs11ToolObjects(main);
        String inSecond = ChildProcess.pkcs11ToolObjects(second);

        assertTrue(inMain.contains(Tenant.keyAliasOf(G22)), inMain);
        assertFalse(inMain.contains(Tenant.keyAliasOf(H41)), inMain);
        assertTrue(inSecond.contains(Tenant.keyAliasOf(H41)), inSecond);
        assertFalse(inSecond.contains(Tenant.keyAliasOf(G22)), inSecond);
    }

    @Test
    void concurrentDocumentsOfTwoTenantsAreEachSignedWithTheirSendersKeyOnly() throws Exception {
        List<Future<String[]>> sent = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 24; i++) {
                boolean fromG22 = i % 2 == 0;
                DocumentSystemClient client = fromG22 ? g22 : h41;
                byte[] document = TwoAppliancesTest.edxml(fromG22 ? G22 : H41, List.of(fromG22 ? H41 : G22),
                        "văn bản " + i);
                sent.add(threads.submit(() -> {
                    Answer answer = client.submit(document);
                    assertEquals(202, answer.status(), answer.text());
                    return new String[] {fromG22 ? G22 : H41, answer.json().path("id").asText()};
                }));
            }
        }
        int batched = 0;
        for (Future<String[]> future : sent) {
            String sender = future.get()[0];
            String id = future.get()[1];
            DocumentSystemClient client = sender.equals(G22) ? g22 : h41;
            TwoAppliancesTest.awaitDelivered(client, id, 1);
            Answer file = client.evidence(id, sender.equals(G22) ? H41 : G22);
            assertEquals(200, file.status(), file.text());
            Evidence evidence = EvidenceFile.read(file.body());
            // The verifier checks that the envelope's signer certificate is the sender organ's.
            new EvidenceVerifier().verify(evidence, List.of(ca.root()), Instant.now());
            String signer = CmsVerifier.verifyDetached(evidence.envelope().signature(),
                    evidence.envelope().signedBytes()).signer().getSubjectX500Principal().getName();
            assertTrue(signer.contains("CN=" + sender), signer + " signed a document of " + sender);
            batched += evidence.envelope().batchSigned() ? 1 : 0;
        }
        System.getLogger(ManyTokensTest.class.getName()).log(System.Logger.Level.INFO,
                batched + " of 24 envelopes were batch-signed");
    }
}
