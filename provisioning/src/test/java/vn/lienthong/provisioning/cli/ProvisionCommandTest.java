package vn.lienthong.provisioning.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.TokenKey;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.provisioning.registry.DirectoryEntry;
import vn.lienthong.provisioning.registry.Tenant;
import vn.lienthong.provisioning.testing.TestCa;

/** The provision commands against a real SoftHSM2 token and a real LMDB directory. */
class ProvisionCommandTest {

    private static SoftHsmTestToken softHsm;
    private static TestEnvironment environment;
    private static TestCa root;
    private static TestCa intermediate;

    @TempDir
    static Path dir;

    @BeforeAll
    static void openTokenAndStorage() throws Exception {
        softHsm = SoftHsmTestToken.create("prov");
        environment = new TestEnvironment(softHsm.config(), Files.createDirectories(dir.resolve("lmdb")));
        root = TestCa.root("Test Root CA");
        intermediate = root.intermediate("Test Issuing CA");
        Path rootFile = write("root.pem", TestCa.pem(List.of(root.certificate())));
        CliRun trusted = run("trust", "add", rootFile.toString());
        assertEquals(0, trusted.exitCode(), trusted::toString);
    }

    @AfterAll
    static void close() {
        environment.shutdown();
        softHsm.close();
    }

    private static CliRun run(String... args) {
        return CliRun.of(path -> environment, args);
    }

    private static Path write(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }

    private static ApplianceRegistry registry() {
        return environment.registry();
    }

    /** Adds a tenant, generates its key and returns its CSR (PEM) from stdout. */
    private static String tenantWithKeyAndCsr(String organ, String alg) {
        assertEquals(0, run("tenant", "add", organ, "--name", "Sở Tư pháp " + organ).exitCode());
        CliRun generated = run("key", "generate", "--tenant", organ, "--alg", alg);
        assertEquals(0, generated.exitCode(), generated::toString);
        CliRun csr = run("csr", "--tenant", organ);
        assertEquals(0, csr.exitCode(), csr::toString);
        return csr.out();
    }

    @Test
    void trustAddStoresTheRootAndPrintsItsFingerprint() throws Exception {
        assertTrue(registry().trustAnchors().contains(root.certificate()));
        CliRun again = run("trust", "add", write("root-again.pem", TestCa.pem(List.of(root.certificate()))).toString());
        assertEquals(0, again.exitCode(), again::toString);
        assertTrue(again.out().contains(Pem.sha256Fingerprint(root.certificate())), again::toString);
        assertTrue(again.out().contains("CN=Test Root CA"), again::toString);
    }

    @Test
    void trustAddRefusesAFileWithALeafAndAddsNothingFromIt() throws Exception {
        TestCa other = TestCa.root("Other Root");
        X509Certificate leaf = other.issue(new X500Name("CN=leaf"), TestCa.ecKeys().getPublic());
        Path file = write("mixed.pem", TestCa.pem(List.of(other.certificate(), leaf)));
        CliRun refused = run("trust", "add", file.toString());
        assertEquals(1, refused.exitCode(), refused::toString);
        assertTrue(refused.failedWithOneSentence(), refused::toString);
        assertTrue(refused.err().contains("not a CA certificate"), refused::toString);
        assertFalse(registry().trustAnchors().contains(other.certificate()));
    }

    @Test
    void happyPathFromTenantToImportedCertificateForBothAlgorithms() throws Exception {
        for (String alg : List.of("rsa2048", "ecp256")) {
            String organ = "000.00.00.G" + alg.length() + alg.charAt(0);
            assertEquals(0, run("tenant", "add", organ, "--name", "Bộ Tư pháp, " + alg).exitCode());

            CliRun generated = run("key", "generate", "--tenant", organ, "--alg", alg);
            assertEquals(0, generated.exitCode(), generated::toString);
            TokenKey key = environment.token().key("sign-" + organ).orElseThrow();
            assertTrue(generated.out().contains("sign-" + organ), generated::toString);
            assertTrue(generated.out().contains(sha256(key.publicKey().getEncoded())), generated::toString);
            assertEquals(alg.startsWith("rsa") ? "RSA" : "EC", key.publicKey().getAlgorithm());

            Path csrFile = dir.resolve(organ + ".csr");
            CliRun csr = run("csr", "--tenant", organ, "--out", csrFile.toString());
            assertEquals(0, csr.exitCode(), csr::toString);
            String csrPem = Files.readString(csrFile);
            PKCS10CertificationRequest request;
            try (PEMParser parser = new PEMParser(new StringReader(csrPem))) {
                request = (PKCS10CertificationRequest) parser.readObject();
            }
            assertEquals(organ, attribute(request, BCStyle.CN));
            assertEquals("Bộ Tư pháp, " + alg,
                    attribute(request, BCStyle.O));
            assertTrue(request.isSignatureValid(new JcaContentVerifierProviderBuilder()
                    .build(new JcaPKCS10CertificationRequest(request).getPublicKey())));

            X509Certificate issued = intermediate.issue(csrPem);
            Path certFile = write(organ + ".pem", TestCa.pem(List.of(issued, intermediate.certificate())));
            CliRun imported = run("cert", "import", "--tenant", organ, certFile.toString());
            assertEquals(0, imported.exitCode(), imported::toString);

            List<X509Certificate> chain = environment.token().key("sign-" + organ).orElseThrow().chain();
            assertEquals(List.of(issued, intermediate.certificate()), chain);
        }
        CliRun list = run("tenant", "list");
        assertEquals(0, list.exitCode(), list::toString);
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("000.00.00.G7r") && l.contains("yes")
                && l.contains("CN=000.00.00.G7r")), list::toString);
    }

    @Test
    void certImportRefusesACertificateForAnotherKey() throws Exception {
        tenantWithKeyAndCsr("000.00.00.K01", "ecp256");
        X509Certificate forOtherKey = intermediate.issue(new X500Name("CN=000.00.00.K01,O=x,C=VN"),
                TestCa.ecKeys().getPublic());
        Path file = write("other-key.pem", TestCa.pem(List.of(forOtherKey, intermediate.certificate())));
        CliRun refused = run("cert", "import", "--tenant", "000.00.00.K01", file.toString());
        assertEquals(1, refused.exitCode(), refused::toString);
        assertTrue(refused.failedWithOneSentence(), refused::toString);
        assertTrue(refused.err().contains("public keys differ"), refused::toString);
        assertPlaceholderStillInToken("sign-000.00.00.K01");
    }

    @Test
    void certImportRefusesACertificateFromAnUntrustedCa() throws Exception {
        String csr = tenantWithKeyAndCsr("000.00.00.K02", "ecp256");
        TestCa untrusted = TestCa.root("Untrusted Root");
        Path file = write("untrusted.pem", TestCa.pem(List.of(untrusted.issue(csr), untrusted.certificate())));
        CliRun refused = run("cert", "import", "--tenant", "000.00.00.K02", file.toString());
        assertEquals(1, refused.exitCode(), refused::toString);
        assertTrue(refused.failedWithOneSentence(), refused::toString);
        assertTrue(refused.err().contains("does not validate to a trust anchor"), refused::toString);
        assertPlaceholderStillInToken("sign-000.00.00.K02");
    }

    @Test
    void certImportRefusesACertificateWhoseCnIsAnotherOrgan() throws Exception {
        tenantWithKeyAndCsr("000.00.00.K03", "ecp256");
        TokenKey key = environment.token().key("sign-000.00.00.K03").orElseThrow();
        X509Certificate wrongCn = intermediate.issue(new X500Name("CN=000.00.00.K99,O=x,C=VN"), key.publicKey());
        Path file = write("wrong-cn.pem", TestCa.pem(List.of(wrongCn, intermediate.certificate())));
        CliRun refused = run("cert", "import", "--tenant", "000.00.00.K03", file.toString());
        assertEquals(1, refused.exitCode(), refused::toString);
        assertTrue(refused.failedWithOneSentence(), refused::toString);
        assertTrue(refused.err().contains("does not name the organ 000.00.00.K03"), refused::toString);
        assertPlaceholderStillInToken("sign-000.00.00.K03");
    }

    private static void assertPlaceholderStillInToken(String alias) {
        X509Certificate leaf = environment.token().key(alias).orElseThrow().certificate();
        assertEquals(leaf.getSubjectX500Principal(), leaf.getIssuerX500Principal(), "the placeholder was replaced");
    }

    @Test
    void aTenantsNextKeyDoesNotCollideWithTheKeyOfTheOrganNamedLikeItsRollover() {
        tenantWithKeyAndCsr("000.00.00.K07.2", "ecp256");
        tenantWithKeyAndCsr("000.00.00.K07", "ecp256");
        TokenKey other = environment.token().key("sign-000.00.00.K07.2").orElseThrow();

        CliRun next = run("key", "generate", "--tenant", "000.00.00.K07", "--next", "--alg", "ecp256");

        assertEquals(0, next.exitCode(), next::toString);
        assertEquals("sign-000.00.00.K07_2", registry().tenant("000.00.00.K07").orElseThrow().nextKeyAlias());
        TokenKey nextKey = environment.token().key("sign-000.00.00.K07_2").orElseThrow();
        assertFalse(nextKey.publicKey().equals(other.publicKey()), "a key of its own");
        assertEquals(other.publicKey(), environment.token().key("sign-000.00.00.K07.2").orElseThrow().publicKey());
    }

    @Test
    void keyGenerateRefusesAnAliasThatAlreadyHasAKey() {
        tenantWithKeyAndCsr("000.00.00.K04", "ecp256");
        TokenKey before = environment.token().key("sign-000.00.00.K04").orElseThrow();
        CliRun refused = run("key", "generate", "--tenant", "000.00.00.K04", "--alg", "rsa2048");
        assertEquals(1, refused.exitCode(), refused::toString);
        assertTrue(refused.failedWithOneSentence(), refused::toString);
        assertTrue(refused.err().contains("rotation"), refused::toString);
        assertEquals(before.publicKey(), environment.token().key("sign-000.00.00.K04").orElseThrow().publicKey());
    }

    @Test
    void tlsKeyGetsACsrWithItsDnsNameAndAnImportedCertificate() throws Exception {
        CliRun generated = run("key", "generate", "--tls", "--alg", "ecp256");
        assertEquals(0, generated.exitCode(), generated::toString);
        assertTrue(generated.out().contains("alias: " + ApplianceRegistry.TLS_KEY_ALIAS), generated::toString);
        CliRun csr = run("csr", "--tls", "--dns", "axis.example.gov.vn", "--ip", "10.0.0.5");
        assertEquals(0, csr.exitCode(), csr::toString);
        PKCS10CertificationRequest request;
        try (PEMParser parser = new PEMParser(new StringReader(csr.out()))) {
            request = (PKCS10CertificationRequest) parser.readObject();
        }
        assertEquals(new X500Name("CN=axis.example.gov.vn,O=lienthong appliance,C=VN"), request.getSubject());
        X509Certificate issued = intermediate.issue(csr.out());
        CliRun imported = run("cert", "import", "--tls",
                write("tls.pem", TestCa.pem(List.of(issued, intermediate.certificate()))).toString());
        assertEquals(0, imported.exitCode(), imported::toString);
        assertEquals(issued, environment.token().key("tls").orElseThrow().certificate());
    }

    @Test
    void unknownTenantGivesOneSentenceAndExitOne() {
        for (String[] args : List.of(
                new String[] {"key", "generate", "--tenant", "000.00.00.Z99", "--alg", "ecp256"},
                new String[] {"csr", "--tenant", "000.00.00.Z99"})) {
            CliRun refused = run(args);
            assertEquals(1, refused.exitCode(), refused::toString);
            assertTrue(refused.failedWithOneSentence(), refused::toString);
            assertTrue(refused.err().contains("there is no tenant 000.00.00.Z99"), refused::toString);
        }
    }

    @Test
    void badOrganIdIsAUsageErrorInOneSentence() {
        for (String[] args : List.of(
                new String[] {"tenant", "add", "000..G22", "--name", "x"},
                new String[] {"key", "generate", "--tenant", "Bộ.01", "--alg", "ecp256"},
                new String[] {"csr", "--tenant", "a".repeat(36)})) {
            CliRun refused = run(args);
            assertEquals(2, refused.exitCode(), refused::toString);
            assertTrue(refused.failedWithOneSentence(), refused::toString);
            assertTrue(refused.err().contains("is not an organ id"), refused::toString);
        }
        assertTrue(registry().tenant("000..G22").isEmpty());
    }

    @Test
    void missingFileGivesOneSentenceNamingIt() {
        Path missing = dir.resolve("no-such.pem");
        for (String[] args : List.of(
                new String[] {"trust", "add", missing.toString()},
                new String[] {"cert", "import", "--tls", missing.toString()},
                new String[] {"tenant", "add", "000.00.00.M01", "--name", "x", "--dms-cert", missing.toString()},
                new String[] {"directory", "import", missing.toString()})) {
            CliRun refused = run(args);
            assertEquals(1, refused.exitCode(), refused::toString);
            assertTrue(refused.failedWithOneSentence(), refused::toString);
            assertTrue(refused.err().contains(missing + " does not exist"), refused::toString);
        }
        assertTrue(registry().tenant("000.00.00.M01").isEmpty(), "a failed tenant add stored nothing");
    }

    @Test
    void tenantAddBindsDmsCertificatesAndUpdatesAnExistingTenant() throws Exception {
        X509Certificate dms1 = root.issue(new X500Name("CN=dms1"), TestCa.ecKeys().getPublic());
        X509Certificate dms2 = root.issue(new X500Name("CN=dms2"), TestCa.ecKeys().getPublic());
        CliRun added = run("tenant", "add", "28.22.H17", "--name", "UBND tỉnh",
                "--dms-cert", write("dms1.pem", TestCa.pem(List.of(dms1))).toString());
        assertEquals(0, added.exitCode(), added::toString);
        Files.write(dir.resolve("dms2.der"), dms2.getEncoded());
        CliRun updated = run("tenant", "add", "28.22.H17", "--name", "UBND tỉnh Lâm Đồng",
                "--dms-cert", dir.resolve("dms2.der").toString());
        assertEquals(0, updated.exitCode(), updated::toString);
        assertTrue(updated.out().startsWith("updated"), updated::toString);

        Tenant tenant = registry().tenant("28.22.H17").orElseThrow();
        assertEquals("UBND tỉnh Lâm Đồng", tenant.name());
        assertEquals("sign-28.22.H17", tenant.keyAlias());
        assertEquals(List.of(Pem.sha256Fingerprint(dms1), Pem.sha256Fingerprint(dms2)), tenant.dmsCertificateSha256());
        assertEquals(tenant, registry().tenantByDmsCertificate(Pem.sha256Fingerprint(dms2)).orElseThrow());

        CliRun stolen = run("tenant", "add", "28.22.H18", "--name", "other",
                "--dms-cert", dir.resolve("dms2.der").toString());
        assertEquals(1, stolen.exitCode(), stolen::toString);
        assertTrue(stolen.err().contains("already acts as tenant 28.22.H17"), stolen::toString);
        assertTrue(registry().tenant("28.22.H18").isEmpty());
    }

    @Test
    void tenantAddWithoutANameIsRefusedForANewTenant() {
        CliRun refused = run("tenant", "add", "vxp.saas.03");
        assertEquals(2, refused.exitCode(), refused::toString);
        assertTrue(refused.failedWithOneSentence(), refused::toString);
        assertTrue(registry().tenant("vxp.saas.03").isEmpty());
    }

    @Test
    void tenantListShowsATenantWithoutKeyOrCertificate() {
        assertEquals(0, run("tenant", "add", "vxp.saas.04", "--name", "Văn phòng").exitCode());
        CliRun list = run("tenant", "list");
        assertEquals(0, list.exitCode(), list::toString);
        List<String> lines = list.out().lines().toList();
        assertTrue(lines.getFirst().matches("ORGAN ID +NAME +STATUS +KEY ALIAS +KEY IN HSM +CERTIFICATE +EXPIRES +DMS CERTS +QUOTA"),
                list::toString);
        assertTrue(lines.stream().anyMatch(l -> l.matches("vxp\\.saas\\.04 +Văn phòng +active +sign-vxp\\.saas\\.04 +no +- +- +0 +none")),
                list::toString);
    }

    @Test
    void tenantSuspendResumeRemoveAndQuotaChangeTheRegistryRecord() {
        assertEquals(0, run("tenant", "add", "vxp.saas.05", "--name", "Sở Nội vụ").exitCode());
        assertEquals(0, run("tenant", "quota", "vxp.saas.05", "--queued-documents", "100", "--queued-mib", "5",
                "--submissions-per-minute", "60").exitCode());
        assertEquals(0, run("tenant", "suspend", "vxp.saas.05").exitCode());
        assertTrue(run("tenant", "list").out().lines().anyMatch(l -> l.startsWith("vxp.saas.05")
                && l.contains(" suspended ") && l.endsWith("100 docs, 5 MiB, 60/min")), () -> run("tenant", "list").out());
        assertEquals(0, run("tenant", "resume", "vxp.saas.05").exitCode());
        assertTrue(run("tenant", "list").out().lines().anyMatch(l -> l.startsWith("vxp.saas.05") && l.contains(" active ")));
        CliRun removed = run("tenant", "remove", "vxp.saas.05");
        assertEquals(0, removed.exitCode(), removed::toString);
        CliRun resume = run("tenant", "resume", "vxp.saas.05");
        assertEquals(1, resume.exitCode(), "a removed tenant comes back only by tenant add");
        assertTrue(resume.err().contains("tenant add"), resume::toString);
        assertEquals(1, run("tenant", "suspend", "vxp.saas.99").exitCode(), "no such tenant");
        assertEquals(2, run("tenant", "quota", "vxp.saas.05", "--queued-documents", "-1").exitCode());
    }

    @Test
    void tenantQuotaSetsTheInboxLimitsAndKeepsTheOthers() {
        assertEquals(0, run("tenant", "add", "vxp.saas.06", "--name", "Sở Tư pháp").exitCode());
        assertEquals(0, run("tenant", "quota", "vxp.saas.06", "--queued-documents", "100").exitCode());
        CliRun set = run("tenant", "quota", "vxp.saas.06", "--inbox-documents", "500", "--inbox-mib", "256");
        assertEquals(0, set.exitCode(), set::toString);
        assertTrue(run("tenant", "list").out().lines().anyMatch(l -> l.startsWith("vxp.saas.06")
                && l.endsWith("100 docs, inbox 500 docs, inbox 256 MiB")), () -> run("tenant", "list").out());
        var quota = environment.registry().tenant("vxp.saas.06").orElseThrow().quota();
        assertEquals(500, quota.inboxDocuments());
        assertEquals(256L * 1024 * 1024, quota.inboxBytes());
        assertEquals(0, run("tenant", "quota", "vxp.saas.06", "--inbox-documents", "0").exitCode());
        assertEquals(0, environment.registry().tenant("vxp.saas.06").orElseThrow().quota().inboxDocuments(),
                "0 is no limit");
        CliRun negative = run("tenant", "quota", "vxp.saas.06", "--inbox-mib", "-1");
        assertEquals(2, negative.exitCode());
        assertTrue(negative.err().contains("A quota is a whole number, 0 for no limit."), negative::toString);
    }

    @Test
    void certStatusListsEveryKeysCertificateWithDaysLeftAndWarnsWithin30Days() throws Exception {
        String organ = "000.00.00.K10";
        assertEquals(0, run("tenant", "add", organ, "--name", "Sở sắp hết hạn").exitCode());
        assertEquals(0, run("key", "generate", "--tenant", organ, "--alg", "ecp256").exitCode());
        TokenKey key = environment.token().key("sign-" + organ).orElseThrow();
        X509Certificate shortLived = intermediate.issue(new X500Name("CN=" + organ + ",C=VN"), key.publicKey(),
                java.time.Duration.ofDays(10));
        Path file = write(organ + "-short.pem", TestCa.pem(List.of(shortLived, intermediate.certificate())));
        CliRun imported = run("cert", "import", "--tenant", organ, file.toString());
        assertEquals(0, imported.exitCode(), imported::toString);
        assertEquals(0, run("tenant", "add", "000.00.00.K11", "--name", "Chưa có khoá").exitCode());

        CliRun status = run("cert", "status");
        assertEquals(0, status.exitCode(), status::toString);
        List<String> lines = status.out().lines().toList();
        assertTrue(lines.getFirst().matches("TENANT +USAGE +KEY ALIAS +SUBJECT +NOT AFTER +DAYS LEFT +STATE"), status::toString);
        assertTrue(lines.stream().anyMatch(l -> l.matches(Pattern.quote(organ) + " +signing +sign-" + Pattern.quote(organ)
                + " +\\S.* +\\d{4}-\\d\\d-\\d\\d +(9|10) +expires-soon")), status::toString);
        assertTrue(lines.stream().anyMatch(l -> l.matches("000\\.00\\.00\\.K11 +signing +sign-\\S+ +- +- +- +no-key")),
                status::toString);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("appliance ") && l.contains(" tls ")), status::toString);
    }

    @Test
    void directoryImportReplacesTheWholeDirectory() throws Exception {
        String pin = "ab".repeat(32);
        CliRun first = run("directory", "import", write("dir1.json", """
                {"entries":[
                  {"organId":"000.00.00.H41","endpoint":"https://localhost:25500","tlsCertificateSha256":"%s"},
                  {"organId":"000.00.00.H42","endpoint":"https://10.1.2.3:5500/axis","tlsCertificateSha256":"%s"}]}
                """.formatted(pin, pin.toUpperCase())).toString());
        assertEquals(0, first.exitCode(), first::toString);
        assertTrue(first.out().contains("imported 2 directory entries"), first::toString);
        assertEquals(pin, registry().directoryEntry("000.00.00.H42").orElseThrow().tlsCertificateSha256());

        CliRun second = run("directory", "import", write("dir2.json", """
                {"entries":[{"organId":"000.00.00.H43","endpoint":"https://peer.example:5500","tlsCertificateSha256":"%s"}]}
                """.formatted(pin)).toString());
        assertEquals(0, second.exitCode(), second::toString);
        assertEquals(List.of(new DirectoryEntry("000.00.00.H43", java.net.URI.create("https://peer.example:5500"), pin)),
                registry().directory());

        CliRun list = run("directory", "list");
        assertEquals(0, list.exitCode(), list::toString);
        assertTrue(list.out().contains("000.00.00.H43  https://peer.example:5500  " + pin), list::toString);
    }

    @Test
    void directoryImportWithOneBadEntryImportsNothing() throws Exception {
        String pin = "cd".repeat(32);
        run("directory", "import", write("dir-good.json", """
                {"entries":[{"organId":"000.00.00.H50","endpoint":"https://peer.example:5500","tlsCertificateSha256":"%s"}]}
                """.formatted(pin)).toString());
        List<DirectoryEntry> before = registry().directory();
        String good = "{\"organId\":\"000.00.00.H51\",\"endpoint\":\"https://a.example:5500\",\"tlsCertificateSha256\":\"" + pin + "\"}";
        List<String> badEntries = List.of(
                "{\"organId\":\"000..H52\",\"endpoint\":\"https://a.example:5500\",\"tlsCertificateSha256\":\"" + pin + "\"}",
                "{\"organId\":\"000.00.00.H52\",\"endpoint\":\"http://a.example:5500\",\"tlsCertificateSha256\":\"" + pin + "\"}",
                "{\"organId\":\"000.00.00.H52\",\"endpoint\":\"https://a.example\",\"tlsCertificateSha256\":\"" + pin + "\"}",
                "{\"organId\":\"000.00.00.H52\",\"endpoint\":\"https://a.example:5500\",\"tlsCertificateSha256\":\"abc\"}",
                "{\"organId\":\"000.00.00.H52\",\"endpoint\":\"https://a.example:5500\"}",
                "{\"organId\":\"000.00.00.H52\",\"endpoint\":\"https://a.example:5500\",\"tlsCertificateSha256\":\"" + pin + "\",\"extra\":1}",
                good.replace("H51", "H60"));
        for (String bad : badEntries) {
            Path file = write("dir-bad.json", "{\"entries\":[" + good.replace("H51", "H60") + "," + bad + "]}");
            CliRun refused = run("directory", "import", file.toString());
            assertEquals(1, refused.exitCode(), refused::toString);
            assertTrue(refused.failedWithOneSentence(), refused::toString);
            assertTrue(refused.err().contains("entry 2 of") || refused.err().contains("lists"), refused::toString);
            assertTrue(refused.err().contains("nothing was imported"), refused::toString);
            assertEquals(before, registry().directory());
        }
        CliRun notJson = run("directory", "import", write("dir-broken.json", "{\"entries\":[").toString());
        assertEquals(1, notJson.exitCode(), notJson::toString);
        assertTrue(notJson.failedWithOneSentence(), notJson::toString);
        assertEquals(before, registry().directory());
    }

    @Test
    void configOptionReachesTheEnvironmentBeforeOrAfterTheSubcommand() {
        Path[] seen = new Path[1];
        CliRun before = CliRun.of(path -> {
            seen[0] = path;
            return environment;
        }, "--config", "/etc/lienthong/a.yaml", "directory", "list");
        assertEquals(0, before.exitCode(), before::toString);
        assertEquals(Path.of("/etc/lienthong/a.yaml"), seen[0]);
        CliRun after = CliRun.of(path -> {
            seen[0] = path;
            return environment;
        }, "directory", "list", "--config", "/etc/lienthong/b.yaml");
        assertEquals(0, after.exitCode(), after::toString);
        assertEquals(Path.of("/etc/lienthong/b.yaml"), seen[0]);
        if (System.getenv("LIENTHONG_CONFIG") == null) {
            CliRun byDefault = CliRun.of(path -> {
                seen[0] = path;
                return environment;
            }, "directory", "list");
            assertEquals(0, byDefault.exitCode(), byDefault::toString);
            assertEquals(Path.of("config.yaml"), seen[0]);
        }
    }

    /** The value of the request subject's only attribute of this type, unescaped. */
    private static String attribute(PKCS10CertificationRequest request, ASN1ObjectIdentifier type) {
        var rdns = request.getSubject().getRDNs(type);
        assertEquals(1, rdns.length, "one " + type);
        return ((ASN1String) rdns[0].getFirst().getValue()).getString();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
