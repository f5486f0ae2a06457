package vn.lienthong.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vn.lienthong.appliance.TwoAppliancesTest.edxml;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import vn.lienthong.appliance.envelope.EnvelopeCodec;
import vn.lienthong.appliance.envelope.EnvelopeVerifier;
import vn.lienthong.appliance.evidence.EvidenceFile;
import vn.lienthong.appliance.evidence.EvidenceVerifier;
import vn.lienthong.hsm.testing.SoftHsmTestToken;

/**
 * A staged key rollover on a running appliance, with the operator CLI in another process: the
 * next key and its CSR are made while the current key keeps signing, the CA's certificate is
 * imported, and from the switch on the next key signs; what the old key signed stays verifiable.
 */
class KeyRolloverTest {

    static final String H41 = "000.00.00.H41";
    static final String H14 = "000.00.00.H14";

    @TempDir
    static Path dir;
    static SoftHsmTestToken token;
    static DemoCa ca;
    static TestAppliance appliance;
    static DocumentSystemClient h41;

    @BeforeAll
    static void start() throws Exception {
        token = SoftHsmTestToken.create("rollover");
        ca = DemoCa.create("test CA");
        Path root = dir.resolve("root.pem");
        Files.writeString(root, DemoCa.pem(ca.root()));
        appliance = TestAppliance.provision("solo", dir, token, ca, root, List.of(
                new TenantSpec(H41, "UBND tỉnh Nghệ An", "ecp256"), new TenantSpec(H14, "UBND tỉnh Cao Bằng", "ecp256")));
        appliance.start();
        // Both tenants live here: deliveries between them go through this appliance's own axis listener.
        Path directory = dir.resolve("directory.json");
        Files.writeString(directory, ApplianceSetup.directoryJson(List.of(
                new ApplianceSetup.Route(H41, appliance.axis().toString(), appliance.setup.tlsCertificateSha256()),
                new ApplianceSetup.Route(H14, appliance.axis().toString(), appliance.setup.tlsCertificateSha256()))));
        provision("directory", "import", directory.toString());
        h41 = appliance.documentSystem(H41, ca);
    }

    @AfterAll
    static void stop() {
        TestAppliance.closeAll(h41, appliance, token);
    }

    @Test
    void theNextKeySignsFromTheSwitchOnAndWhatTheOldKeySignedStaysVerifiable() throws Exception {
        String before = delivered(edxml(H41, List.of(H14), "trước khi đổi khoá"));
        X509Certificate oldSigner = signer(before);

        String generated = provision("key", "generate", "--tenant", H41, "--next", "--alg", "ecp256");
        assertTrue(generated.contains("alias: sign-" + H41 + "_2"), generated);
        Path csr = dir.resolve("next.csr");
        provision("csr", "--tenant", H41, "--next", "--out", csr.toString());
        String refused = provisionFails("key", "switch", "--tenant", H41);
        assertTrue(refused.contains("no certificate from the CA yet"), refused);
        X509Certificate issued = ca.issue(Files.readString(csr), DemoCa.Profile.SIGNING, List.of(), List.of());
        Path certificate = dir.resolve("next.pem");
        Files.writeString(certificate, DemoCa.pem(issued, ca.root()));
        provision("cert", "import", "--tenant", H41, "--next", certificate.toString());

        String meanwhile = delivered(edxml(H41, List.of(H14), "khoá cũ vẫn ký"));
        assertEquals(oldSigner, signer(meanwhile), "until the switch the current key keeps signing");

        provision("key", "switch", "--tenant", H41);
        String after = delivered(edxml(H41, List.of(H14), "sau khi đổi khoá"));
        X509Certificate newSigner = signer(after);
        assertEquals(issued, newSigner, "from the switch on, the next key signs");
        assertNotEquals(oldSigner.getPublicKey(), newSigner.getPublicKey());

        for (String id : List.of(before, meanwhile, after)) {
            Answer evidence = h41.evidence(id, H14);
            assertEquals(200, evidence.status(), evidence.text());
            List<String> checks = new EvidenceVerifier().verify(EvidenceFile.read(evidence.body()), List.of(ca.root()),
                    Instant.now());
            assertTrue(checks.stream().anyMatch(c -> c.contains(H14)), checks.toString());
        }
        String list = provision("tenant", "list");
        assertTrue(list.lines().anyMatch(l -> l.startsWith(H41) && l.contains("sign-" + H41 + "_2")), list);
    }

    private static String delivered(byte[] document) throws Exception {
        Answer submitted = h41.submit(document);
        assertEquals(202, submitted.status(), submitted.text());
        String id = submitted.json().path("id").asText();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (!h41.outboxStatus(id).json().path("delivered").asBoolean()) {
            assertTrue(Instant.now().isBefore(deadline), "not delivered: " + h41.outboxStatus(id).text());
            Thread.sleep(50);
        }
        return id;
    }

    /** The certificate of the key that signed the stored envelope, as any verifier sees it. */
    private static X509Certificate signer(String id) {
        byte[] envelope = appliance.running.storage().outbox().get(H41, id).orElseThrow().envelope();
        return new EnvelopeVerifier().verify(EnvelopeCodec.decode(envelope, Integer.MAX_VALUE), List.of(ca.root()),
                Instant.now()).signer().certificate();
    }

    private static String provision(String... arguments) throws Exception {
        JvmLauncher.Result result = run(arguments);
        assertEquals(0, result.exitCode(), result.output());
        return result.output();
    }

    private static String provisionFails(String... arguments) throws Exception {
        JvmLauncher.Result result = run(arguments);
        assertEquals(1, result.exitCode(), result.output());
        return result.output();
    }

    private static JvmLauncher.Result run(String... arguments) throws Exception {
        List<String> all = new ArrayList<>(List.of("provision", "--config", appliance.config.toString()));
        all.addAll(List.of(arguments));
        return new JvmLauncher().run(Map.of(), all);
    }
}
