package vn.lienthong.provisioning.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.testing.TestCertificateAuthority;

/** {@code cert import} refuses to bind a certificate whose key usage does not fit what the key is for. */
class CertUsageCommandTest {

    private static final TestCertificateAuthority ROOT = TestCertificateAuthority.root("Usage Root");
    private static final String ORGAN = "000.00.00.U01";

    private static SoftHsmTestToken softHsm;
    private static TestEnvironment environment;

    @TempDir
    static Path dir;

    @BeforeAll
    static void trustTheRoot() throws Exception {
        softHsm = SoftHsmTestToken.create("usage");
        environment = new TestEnvironment(softHsm.config(), Files.createDirectories(dir.resolve("lmdb")));
        Path root = Files.writeString(dir.resolve("root.pem"), Pem.certificates(List.of(ROOT.certificate())));
        assertEquals(0, run("trust", "add", root.toString()).exitCode());
    }

    @AfterAll
    static void close() {
        environment.shutdown();
        softHsm.close();
    }

    private static CliRun run(String... args) {
        return CliRun.of(path -> environment, args);
    }

    private static PublicKey publicKeyOfCsr(String... csrArguments) throws Exception {
        CliRun csr = run(csrArguments);
        assertEquals(0, csr.exitCode(), csr::toString);
        try (PEMParser parser = new PEMParser(new StringReader(csr.out()))) {
            return new JcaPKCS10CertificationRequest((PKCS10CertificationRequest) parser.readObject()).getPublicKey();
        }
    }

    private static Path chainFile(String name, X509Certificate leaf) throws Exception {
        return Files.writeString(dir.resolve(name), Pem.certificates(List.of(leaf, ROOT.certificate())));
    }

    @Test
    void refusesATenantCertificateThatDoesNotAllowSigningAndBindsOneThatDoes() throws Exception {
        assertEquals(0, run("tenant", "add", ORGAN, "--name", "Usage test").exitCode());
        assertEquals(0, run("key", "generate", "--tenant", ORGAN, "--alg", "ecp256").exitCode());
        PublicKey key = publicKeyOfCsr("csr", "--tenant", ORGAN);

        CliRun refused = run("cert", "import", "--tenant", ORGAN, chainFile("encipher.pem",
                ROOT.issue("CN=" + ORGAN, key, KeyUsage.keyEncipherment, null)).toString());
        CliRun bound = run("cert", "import", "--tenant", ORGAN, chainFile("sign.pem",
                ROOT.issue("CN=" + ORGAN, key, KeyUsage.nonRepudiation, null)).toString());

        assertEquals(1, refused.exitCode(), refused::toString);
        assertTrue(refused.failedWithOneSentence(), refused::toString);
        assertTrue(refused.err().contains("does not allow signing: its keyUsage has neither digitalSignature nor"
                + " nonRepudiation, so it cannot be bound to the key sign-" + ORGAN), refused.err());
        assertEquals(0, bound.exitCode(), bound::toString);
    }

    @Test
    void refusesATlsCertificateWhoseExtendedKeyUsageLacksTheTlsRoles() throws Exception {
        assertEquals(0, run("key", "generate", "--tls", "--alg", "ecp256").exitCode());
        PublicKey key = publicKeyOfCsr("csr", "--tls", "--dns", "localhost");

        CliRun refused = run("cert", "import", "--tls", chainFile("email.pem", ROOT.issue("CN=localhost", key,
                KeyUsage.digitalSignature, null, KeyPurposeId.id_kp_emailProtection)).toString());
        CliRun clientOnly = run("cert", "import", "--tls", chainFile("client.pem", ROOT.issue("CN=localhost", key,
                KeyUsage.digitalSignature, null, KeyPurposeId.id_kp_clientAuth)).toString());
        CliRun bound = run("cert", "import", "--tls", chainFile("tls.pem", ROOT.issue("CN=localhost", key,
                KeyUsage.digitalSignature, null, KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth))
                .toString());

        assertEquals(1, refused.exitCode(), refused::toString);
        assertTrue(refused.failedWithOneSentence(), refused::toString);
        assertTrue(refused.err().contains("is not for TLS servers: its extendedKeyUsage lacks serverAuth"), refused.err());
        assertEquals(1, clientOnly.exitCode(), clientOnly::toString);
        assertEquals(0, bound.exitCode(), bound::toString);
    }
}
