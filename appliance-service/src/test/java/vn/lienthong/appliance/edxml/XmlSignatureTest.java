package vn.lienthong.appliance.edxml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.appliance.envelope.TestOrgans;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.hsm.token.TokenKey;

class XmlSignatureTest {

    static TestOrgans organs;

    @BeforeAll
    static void keys() {
        organs = TestOrgans.create("xmldsig");
    }

    @AfterAll
    static void close() {
        organs.close();
    }

    static boolean xmlsec1Installed() {
        return Files.isExecutable(Path.of("/usr/bin/xmlsec1"));
    }

    private static String xmlsec1Verify(Path signed, Path root) throws Exception {
        Process p = new ProcessBuilder("xmlsec1", "--verify", "--trusted-pem", root.toString(), signed.toString())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return p.exitValue() + ": " + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private void signsSoThatXmlsec1Verifies(TokenKey key, Path dir) throws Exception {
        byte[] stamped = EdxmlTrace.append(EdxmlMessageTest.golden("document-new-with-attachment.edxml"),
                TestOrgans.SENDER, Instant.now());
        byte[] signed = XmlSignature.sign(stamped, key);

        DocumentMessage message = (DocumentMessage) EdxmlMessage.parse(signed);
        assertTrue(message.signed(), "the parser sees the Signature in edXMLHeader");
        assertEquals(2, message.traceHeaders().size());
        Path file = dir.resolve("signed.edxml");
        Files.write(file, signed);
        Path root = dir.resolve("root.pem");
        Files.writeString(root, Pem.certificates(java.util.List.of(organs.root.certificate())));
        assumeTrue(xmlsec1Installed(), "xmlsec1 is not installed (apt-get install xmlsec1)");
        String result = xmlsec1Verify(file, root);
        assertTrue(result.startsWith("0: "), result);

        Files.write(file, new String(signed, StandardCharsets.UTF_8).replace("V/v kết nối", "V/v giả mạo")
                .getBytes(StandardCharsets.UTF_8));
        String tampered = xmlsec1Verify(file, root);
        assertTrue(!tampered.startsWith("0: "), tampered);
    }

    @Test
    void signsWithAnRsaKeyInTheHsmSoThatXmlsec1VerifiesIt(@TempDir Path dir) throws Exception {
        signsSoThatXmlsec1Verifies(organs.sender, dir);
    }

    @Test
    void signsWithAnEcKeyInTheHsmSoThatXmlsec1VerifiesIt(@TempDir Path dir) throws Exception {
        signsSoThatXmlsec1Verifies(organs.recipient, dir);
    }

    private static byte[] signedBy(TokenKey key) {
        return XmlSignature.sign(EdxmlTrace.append(EdxmlMessageTest.golden("document-new.edxml"), TestOrgans.SENDER,
                Instant.now()), key);
    }

    @Test
    void acceptsTheSendersOwnSignatureChainedToAnAnchor() {
        XmlSignatureCheck.Result result = XmlSignatureCheck.check(signedBy(organs.sender), organs.anchors(),
                Instant.now(), false);

        XmlSignatureCheck.Valid valid = assertInstanceOf(XmlSignatureCheck.Valid.class, result);
        assertTrue(valid.signer().contains(TestOrgans.SENDER));
        assertTrue(result.header().startsWith("valid; signer="));
    }

    @Test
    void refusesATamperedMessage() {
        byte[] tampered = new String(signedBy(organs.sender), StandardCharsets.UTF_8).replace("V/v kết nối", "V/v giả")
                .getBytes(StandardCharsets.UTF_8);

        assertInstanceOf(XmlSignatureCheck.Invalid.class,
                XmlSignatureCheck.check(tampered, organs.anchors(), Instant.now(), false));
    }

    @Test
    void refusesASignerWhoIsNotTheFromOrgan() {
        XmlSignatureCheck.Result result = XmlSignatureCheck.check(signedBy(organs.recipient), organs.anchors(),
                Instant.now(), false);

        assertTrue(result.header().contains("is not the From organ"), result.header());
    }

    @Test
    void refusesASignerOutsideTheTrustAnchors() {
        XmlSignatureCheck.Result result = XmlSignatureCheck.check(signedBy(organs.sender),
                java.util.List.of(vn.lienthong.hsm.testing.TestCertificateAuthority.root("Other").certificate()),
                Instant.now(), false);

        assertTrue(result.header().contains("not trusted"), result.header());
    }

    @Test
    void reportsThePlaceholderSignaturesOfTheSdkSamplesAsInvalidAndUnsignedMessagesAsNone() {
        for (String sample : java.util.List.of("edoc_new.edxml", "edoc_update.edxml", "edoc_replacement.edxml")) {
            XmlSignatureCheck.Result result = XmlSignatureCheck.check(EdxmlDocumentTest.sample(sample),
                    organs.anchors(), Instant.now(), false);
            assertInstanceOf(XmlSignatureCheck.Invalid.class, result, sample);
        }
        assertInstanceOf(XmlSignatureCheck.Unsigned.class, XmlSignatureCheck.check(
                EdxmlMessageTest.golden("document-new.edxml"), organs.anchors(), Instant.now(), false));
    }
}
