package vn.lienthong.appliance.edxml;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
