package vn.lienthong.hsm.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import vn.lienthong.hsm.testing.ChildProcess;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;

class CsrTest {

    private static final String SUBJECT =
            "CN=000.00.00.G22,OU=Cục Văn thư,O=Văn phòng Chính phủ,L=Hà Nội,C=VN";

    private static SoftHsmTestToken softHsm;
    private static Token token;

    @TempDir
    Path dir;

    @BeforeAll
    static void openToken() {
        softHsm = SoftHsmTestToken.create("csr");
        token = Token.open(softHsm.config());
    }

    @AfterAll
    static void closeToken() {
        token.close();
        softHsm.close();
    }

    @ParameterizedTest
    @EnumSource(KeyAlgorithm.class)
    void requestIsSignedByTheTokenKeyAndCarriesTheOrganIdInItsSubject(KeyAlgorithm algorithm) throws Exception {
        TokenKey key = token.generateKey("csr-" + algorithm.cliName(), algorithm);

        String pem = Csr.pem(key, token.provider(), SUBJECT, List.of("lienthong.g22.gov.vn"), List.of("10.0.0.7"));

        JcaPKCS10CertificationRequest request = parse(pem);
        assertTrue(request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key.publicKey())));
        assertEquals(key.publicKey(), request.getPublicKey());
        X500Principal subject = new X500Principal(request.getSubject().getEncoded());
        assertEquals(new X500Principal(SUBJECT), subject);
        assertTrue(subject.getName().startsWith("CN=000.00.00.G22,"), subject.getName());
    }

    @Test
    void requestAsksForTheDnsNamesAndIpAddressesGiven() throws Exception {
        TokenKey key = token.generateKey("csr-san", KeyAlgorithm.EC_P256);

        JcaPKCS10CertificationRequest request = parse(Csr.pem(key, token.provider(), SUBJECT,
                List.of("a.example.vn", "b.example.vn"), List.of("10.0.0.7", "2001:db8::1")));

        var attribute = request.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)[0];
        GeneralNames names = GeneralNames.fromExtensions(
                Extensions.getInstance(attribute.getAttrValues().getObjectAt(0)), Extension.subjectAlternativeName);
        List<String> asked = List.of(names.getNames()).stream().map(GeneralName::toString).toList();
        assertEquals(List.of("2: a.example.vn", "2: b.example.vn", "7: #0a000007",
                "7: #20010db8000000000000000000000001"), asked);
    }

    @Test
    void opensslAcceptsTheRequestSignature() throws Exception {
        TokenKey key = token.generateKey("csr-openssl", KeyAlgorithm.RSA_2048);
        Path csr = Files.writeString(dir.resolve("req.pem"), Csr.pem(key, token.provider(), SUBJECT, List.of(),
                List.of()));

        ChildProcess.Result result = ChildProcess.run(List.of("openssl", "req", "-in", csr.toString(), "-verify",
                "-noout"));

        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("verify OK"), result.output());
    }

    @Test
    void refusesASubjectThatIsNotADistinguishedName() {
        TokenKey key = token.generateKey("csr-bad-dn", KeyAlgorithm.EC_P256);

        var refused = assertThrows(IllegalArgumentException.class,
                () -> Csr.pem(key, token.provider(), "just words", List.of(), List.of()));

        assertTrue(refused.getMessage().startsWith("the subject 'just words' is not a distinguished name"),
                refused.getMessage());
    }

    @Test
    void refusesAnIpAddressThatIsNotOne() {
        TokenKey key = token.generateKey("csr-bad-ip", KeyAlgorithm.EC_P256);

        var refused = assertThrows(IllegalArgumentException.class,
                () -> Csr.pem(key, token.provider(), SUBJECT, List.of(), List.of("10.0.0.300")));

        assertEquals("'10.0.0.300' is not an IPv4 or IPv6 address", refused.getMessage());
    }

    private static JcaPKCS10CertificationRequest parse(String pem) throws Exception {
        assertTrue(pem.startsWith("-----BEGIN CERTIFICATE REQUEST-----\n"), pem);
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            return new JcaPKCS10CertificationRequest((PKCS10CertificationRequest) parser.readObject());
        }
    }
}
