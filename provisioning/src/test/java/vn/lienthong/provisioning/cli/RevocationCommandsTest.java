package vn.lienthong.provisioning.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
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
import vn.lienthong.hsm.trust.CertificateRevokedException;
import vn.lienthong.hsm.trust.ChainValidator;

/**
 * {@code provision crl import} and {@code list}, and {@code cert import} refusing a certificate whose
 * key usage does not fit its key, against a real SoftHSM2 token and LMDB registry.
 */
class RevocationCommandsTest {

    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private static final TestCertificateAuthority ROOT = TestCertificateAuthority.root("CRL Root");
    private static final TestCertificateAuthority ISSUING = ROOT.intermediate("CRL Issuing");
    private static final String ORGAN = "000.00.00.U01";

    private static SoftHsmTestToken softHsm;
    private static TestEnvironment environment;

    @TempDir
    static Path dir;

    @BeforeAll
    static void trustTheRoot() throws Exception {
        softHsm = SoftHsmTestToken.create("revocation");
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

    private static Path der(String name, X509CRL crl) throws Exception {
        return Files.write(dir.resolve(name), crl.getEncoded());
    }

    @Test
    void importsARootsCrlInDerAndAnIntermediatesInPemAndListsThem() throws Exception {
        var leaf = ISSUING.issue("CN=000.00.00.G22", TestCertificateAuthority.newKeyPair().getPublic(),
                NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(1)));
        X509CRL rootCrl = ROOT.crl(NOW.minusSeconds(60), NOW.plus(Duration.ofDays(7)));
        X509CRL issuingCrl = ISSUING.crl(NOW.minusSeconds(60), NOW.plus(Duration.ofDays(3)), leaf);
        Path pem = Files.writeString(dir.resolve("issuing.crl.pem"), "-----BEGIN X509 CRL-----\n"
                + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(issuingCrl.getEncoded())
                + "\n-----END X509 CRL-----\n");
        Path issuer = Files.writeString(dir.resolve("issuing.pem"), Pem.certificates(List.of(ISSUING.certificate())));

        CliRun rootImport = run("crl", "import", der("root.crl", rootCrl).toString());
        CliRun issuingImport = run("crl", "import", pem.toString(), "--issuer", issuer.toString());
        CliRun list = run("crl", "list");

        assertEquals(0, rootImport.exitCode(), rootImport::toString);
        assertEquals(0, issuingImport.exitCode(), issuingImport::toString);
        assertTrue(issuingImport.out().startsWith("holding the CRL of CN=CRL Issuing,O=lienthong test,C=VN: 1 revoked"),
                issuingImport.out());
        assertEquals(0, list.exitCode(), list::toString);
        assertTrue(list.out().contains("ISSUER"), list.out());
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("CN=CRL Issuing") && l.contains(
                NOW.plus(Duration.ofDays(3)).toString()) && l.endsWith("1")), list.out());
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("CN=CRL Root") && l.endsWith("0")), list.out());
        var lists = environment.registry().revocationLists();
        assertThrows(CertificateRevokedException.class, () -> ChainValidator.validate(ISSUING.chainOf(leaf),
                List.of(ROOT.certificate()), lists, NOW));
    }

    @Test
    void refusesACrlThatNoTrustedCaSignedWithOneSentence() throws Exception {
        TestCertificateAuthority stranger = TestCertificateAuthority.root("Stranger Root");

        CliRun refused = run("crl", "import", der("stranger.crl", stranger.crl(NOW, NOW.plus(Duration.ofDays(1))))
                .toString());

        assertEquals(1, refused.exitCode(), refused::toString);
        assertTrue(refused.failedWithOneSentence(), refused::toString);
        assertTrue(refused.err().contains("is not signed by a trust anchor"), refused.err());
        assertTrue(environment.registry().crls().stream().noneMatch(c -> c.issuerName().contains("Stranger")));
    }

    @Test
    void refusesACrlOlderThanTheOneHeldSoThatAnOldListCannotBeReplayed() throws Exception {
        TestCertificateAuthority other = ROOT.intermediate("Replay Issuing");
        Path issuer = Files.writeString(dir.resolve("replay.pem"), Pem.certificates(List.of(other.certificate())));
        Path newer = der("newer.crl", other.crl(NOW.minusSeconds(10), NOW.plus(Duration.ofDays(1))));
        Path older = der("older.crl", other.crl(NOW.minus(Duration.ofDays(2)), NOW.plus(Duration.ofDays(1))));
        assertEquals(0, run("crl", "import", newer.toString(), "--issuer", issuer.toString()).exitCode());

        CliRun refused = run("crl", "import", older.toString(), "--issuer", issuer.toString());

        assertEquals(1, refused.exitCode(), refused::toString);
        assertTrue(refused.failedWithOneSentence(), refused::toString);
        assertTrue(refused.err().contains("is older than the one held"), refused.err());
    }

    @Test
    void refusesAFileThatHoldsNoCrl() throws Exception {
        Path notACrl = Files.writeString(dir.resolve("not-a-crl.pem"), Pem.certificates(List.of(ROOT.certificate())));

        CliRun refused = run("crl", "import", notACrl.toString());

        assertEquals(1, refused.exitCode(), refused::toString);
        assertTrue(refused.failedWithOneSentence(), refused::toString);
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
