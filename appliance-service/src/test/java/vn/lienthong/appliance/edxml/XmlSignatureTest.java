package vn.lienthong.appliance.edxml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.crypto.dom.DOMStructure;
import javax.xml.crypto.dsig.CanonicalizationMethod;
import javax.xml.crypto.dsig.DigestMethod;
import javax.xml.crypto.dsig.SignatureMethod;
import javax.xml.crypto.dsig.Transform;
import javax.xml.crypto.dsig.XMLSignatureFactory;
import javax.xml.crypto.dsig.spec.TransformParameterSpec;
import javax.xml.crypto.dsig.spec.XPathFilterParameterSpec;
import javax.xml.crypto.dsig.spec.XSLTTransformParameterSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
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
        assertTrue(result.header().startsWith("valid; signer*=UTF-8''CN%3D" + TestOrgans.SENDER), result.header());
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

    /** An edXML the sender's document system signed with RSA-SHA1, its software key certified by the test root. */
    static byte[] signedWithSha1() throws Exception {
        java.security.KeyPair pair = SoftwareKeySigning.rsaKeyPair();
        java.security.cert.X509Certificate leaf = organs.root.issue("CN=" + TestOrgans.SENDER + ",O=lienthong test,C=VN",
                pair.getPublic(), Instant.now().minusSeconds(3600), Instant.now().plusSeconds(86_400));
        byte[] signed = SoftwareKeySigning.sign(EdxmlTrace.append(EdxmlMessageTest.golden("document-new.edxml"),
                TestOrgans.SENDER, Instant.now()), pair.getPrivate(), leaf);
        assertTrue(EdxmlMessage.parse(signed).signed(), "the parser sees the Signature in edXMLHeader");
        return signed;
    }

    @Test
    void refusesASha1SignatureUnlessConfiguredToAcceptItAndThenMarksItWeak() throws Exception {
        byte[] signed = signedWithSha1();

        XmlSignatureCheck.Result refused = XmlSignatureCheck.check(signed, organs.anchors(), Instant.now(), false);
        assertInstanceOf(XmlSignatureCheck.Invalid.class, refused);
        assertTrue(refused.header().startsWith("invalid; reason=") && refused.header().contains("SHA-1"),
                refused.header());

        XmlSignatureCheck.Result accepted = XmlSignatureCheck.check(signed, organs.anchors(), Instant.now(), true);
        XmlSignatureCheck.Valid valid = assertInstanceOf(XmlSignatureCheck.Valid.class, accepted, accepted.header());
        assertTrue(valid.weak());
        assertTrue(accepted.header().startsWith("valid; signer*=") && accepted.header().endsWith("; weak=sha1"),
                accepted.header());

        // Accepting SHA-1 does not accept a SHA-1 signature that does not hold.
        byte[] tampered = new String(signed, StandardCharsets.UTF_8).replace("V/v kết nối", "V/v giả")
                .getBytes(StandardCharsets.UTF_8);
        assertInstanceOf(XmlSignatureCheck.Invalid.class,
                XmlSignatureCheck.check(tampered, organs.anchors(), Instant.now(), true));
    }

    @Test
    void aSha256SignatureIsNotMarkedWeakWhenSha1IsAccepted() {
        XmlSignatureCheck.Result result = XmlSignatureCheck.check(signedBy(organs.sender), organs.anchors(),
                Instant.now(), true);

        assertTrue(result.header().startsWith("valid; signer*=") && !result.header().contains("weak"), result.header());
    }

    /** A certificate for the sender's organ, with {@code organisation} as O, certifying a fresh software RSA key. */
    private static java.security.cert.X509Certificate senderCertificate(java.security.KeyPair pair, String organisation) {
        return organs.root.issue("CN=" + TestOrgans.SENDER + ",O=" + organisation + ",C=VN", pair.getPublic(),
                Instant.now().minusSeconds(3600), Instant.now().plusSeconds(86_400));
    }

    private static byte[] softwareSigned(java.security.KeyPair pair, String signatureMethod, String digestMethod,
                                         List<Function<XMLSignatureFactory, Transform>> moreTransforms)
            throws Exception {
        return SoftwareKeySigning.sign(EdxmlTrace.append(EdxmlMessageTest.golden("document-new.edxml"),
                        TestOrgans.SENDER, Instant.now()), pair.getPrivate(), senderCertificate(pair, "lienthong test"),
                signatureMethod, digestMethod, moreTransforms);
    }

    private static Function<XMLSignatureFactory, Transform> transform(String algorithm,
                                                                       TransformParameterSpec parameters) {
        return factory -> {
            try {
                return factory.newTransform(algorithm, parameters);
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    @Test
    void showsANonAsciiSignerAsAnRfc8187ValueWithTheCertificatesSha256() throws Exception {
        java.security.KeyPair pair = SoftwareKeySigning.rsaKeyPair();
        java.security.cert.X509Certificate leaf = senderCertificate(pair, "Văn phòng Chính phủ");
        byte[] signed = SoftwareKeySigning.sign(EdxmlTrace.append(EdxmlMessageTest.golden("document-new.edxml"),
                TestOrgans.SENDER, Instant.now()), pair.getPrivate(), leaf, SignatureMethod.RSA_SHA256,
                DigestMethod.SHA256, List.of());

        String header = XmlSignatureCheck.check(signed, organs.anchors(), Instant.now(), false).header();

        Matcher m = Pattern.compile("valid; signer\\*=UTF-8''([A-Za-z0-9%._~-]+); signer-sha256=([0-9a-f]{64})")
                .matcher(header);
        assertTrue(m.matches(), header);
        String signer = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
        assertEquals(leaf.getSubjectX500Principal().getName(), signer);
        assertTrue(signer.contains("O=Văn phòng Chính phủ"), signer);
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(leaf.getEncoded())),
                m.group(2));
    }

    @Test
    void refusesTransformsOtherThanEnvelopedSignatureAndC14n() throws Exception {
        java.security.KeyPair pair = SoftwareKeySigning.rsaKeyPair();
        byte[] xpath = softwareSigned(pair, SignatureMethod.RSA_SHA256, DigestMethod.SHA256, List.of(
                transform(Transform.XPATH, new XPathFilterParameterSpec("not(ancestor-or-self::ds:Signature)",
                        java.util.Map.of("ds", "http://www.w3.org/2000/09/xmldsig#")))));
        byte[] exclusive = softwareSigned(pair, SignatureMethod.RSA_SHA256, DigestMethod.SHA256, List.of(
                transform(CanonicalizationMethod.EXCLUSIVE_WITH_COMMENTS, null)));

        String refused = XmlSignatureCheck.check(xpath, organs.anchors(), Instant.now(), false).header();

        assertEquals("invalid; reason=\"the transform " + Transform.XPATH
                + " is not allowed (enveloped-signature and C14N only)\"", refused);
        assertInstanceOf(XmlSignatureCheck.Valid.class,
                XmlSignatureCheck.check(exclusive, organs.anchors(), Instant.now(), false));
    }

    @Test
    void acceptingSha1KeepsEveryOtherRuleOfSecureValidation() throws Exception {
        java.security.KeyPair pair = SoftwareKeySigning.rsaKeyPair();
        Element identity = XmlSignature.parse("""
                <xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
                  <xsl:template match="@*|node()"><xsl:copy><xsl:apply-templates select="@*|node()"/></xsl:copy></xsl:template>
                </xsl:stylesheet>""".getBytes(StandardCharsets.UTF_8)).getDocumentElement();
        byte[] xslt = softwareSigned(pair, SignatureMethod.RSA_SHA1, DigestMethod.SHA1, List.of(
                transform(Transform.XSLT, new XSLTTransformParameterSpec(new DOMStructure(identity)))));
        java.security.KeyPair weak = SoftwareKeySigning.rsaKeyPair(768);
        byte[] shortKey = softwareSigned(weak, SignatureMethod.RSA_SHA1, DigestMethod.SHA1, List.of());

        String xsltResult = XmlSignatureCheck.check(xslt, organs.anchors(), Instant.now(), true).header();
        String shortKeyResult = XmlSignatureCheck.check(shortKey, organs.anchors(), Instant.now(), true).header();

        assertEquals("invalid; reason=\"the transform " + Transform.XSLT
                + " is not allowed (enveloped-signature and C14N only)\"", xsltResult);
        assertEquals("invalid; reason=\"the signer's RSA key has 768 bits (at least 1024)\"", shortKeyResult);
        assertInstanceOf(XmlSignatureCheck.Valid.class, XmlSignatureCheck.check(
                softwareSigned(pair, SignatureMethod.RSA_SHA1, DigestMethod.SHA1, List.of()),
                organs.anchors(), Instant.now(), true));
    }
}
