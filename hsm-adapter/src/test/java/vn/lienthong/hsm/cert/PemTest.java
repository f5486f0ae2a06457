package vn.lienthong.hsm.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.hsm.testing.ChildProcess;
import vn.lienthong.hsm.testing.TestCertificateAuthority;

class PemTest {

    private static final TestCertificateAuthority ROOT = TestCertificateAuthority.root("Pem Root");
    private static final TestCertificateAuthority ISSUING = ROOT.intermediate("Pem Issuing");

    @TempDir
    Path dir;

    @Test
    void writesAChainAsPemAndReadsItBackInOrder() {
        String pem = Pem.certificates(ISSUING.chain());

        assertTrue(pem.startsWith("-----BEGIN CERTIFICATE-----\n"), pem);
        assertTrue(pem.lines().allMatch(line -> line.length() <= 64), "RFC 7468 lines of at most 64 characters");
        assertEquals(ISSUING.chain(), Pem.certificates(pem.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void readsADerCertificate() throws Exception {
        assertEquals(List.of(ROOT.certificate()), Pem.certificates(ROOT.certificate().getEncoded()));
    }

    @Test
    void refusesBytesWithoutACertificate() {
        var refused = assertThrows(IllegalArgumentException.class,
                () -> Pem.certificates("hello".getBytes(StandardCharsets.US_ASCII)));

        assertTrue(refused.getMessage().startsWith("the certificates cannot be read: expected PEM"),
                refused.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Pem.certificates(new byte[0]));
    }

    @Test
    void fingerprintIsWhatOpensslShowsInLowerCaseWithoutColons() throws Exception {
        Path pem = Files.writeString(dir.resolve("cert.pem"), Pem.certificates(List.of(ROOT.certificate())));

        ChildProcess.Result openssl = ChildProcess.run(List.of("openssl", "x509", "-in", pem.toString(), "-noout",
                "-fingerprint", "-sha256"));

        assertEquals(0, openssl.exitCode(), openssl.output());
        String expected = openssl.output().strip().replaceFirst("(?i)^sha256 Fingerprint=", "").replace(":", "")
                .toLowerCase();
        assertEquals(expected, Pem.sha256Fingerprint(ROOT.certificate()));
        assertEquals(64, expected.length());
    }
}
