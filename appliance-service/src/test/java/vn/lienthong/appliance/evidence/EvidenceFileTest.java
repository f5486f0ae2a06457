package vn.lienthong.appliance.evidence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import vn.lienthong.appliance.envelope.Envelope;
import vn.lienthong.appliance.envelope.EnvelopeRejectedException;
import vn.lienthong.appliance.envelope.EnvelopeRejectedException.Reason;
import vn.lienthong.appliance.envelope.Receipt;
import vn.lienthong.appliance.envelope.ReceiptSigner;
import vn.lienthong.appliance.envelope.SignedReceipt;
import vn.lienthong.appliance.envelope.TestOrgans;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.hsm.testing.TestCertificateAuthority;

class EvidenceFileTest {

    private static TestOrgans organs;
    private static Envelope envelope;
    private static SignedReceipt receipt;
    private final EvidenceVerifier verifier = new EvidenceVerifier();

    @BeforeAll
    static void anEnvelopeAndItsReceipt() {
        organs = TestOrgans.create("evidence");
        envelope = organs.sealed("evidence-1", TestOrgans.payload("evidence"));
        receipt = organs.receiptFor(envelope);
    }

    @AfterAll
    static void removeToken() {
        organs.close();
    }

    static Map<String, byte[]> unzip(byte[] file) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(file))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                entries.put(e.getName(), zip.readAllBytes());
            }
        }
        return entries;
    }

    static byte[] zip(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }

    private static void assertRejected(Reason reason, Executable check) {
        EnvelopeRejectedException e = assertThrows(EnvelopeRejectedException.class, check);
        assertEquals(reason, e.reason(), e.getMessage());
    }

    @Test
    void keepsEachPartByteForByteWithBothSignerChains() throws IOException {
        Map<String, byte[]> entries = unzip(EvidenceFile.write(envelope, receipt));

        assertEquals(EvidenceFile.ENTRIES, List.copyOf(entries.keySet()));
        assertArrayEquals(envelope.headerBytes(), entries.get("header.json"));
        assertArrayEquals(envelope.payload(), entries.get("payload.bin"));
        assertArrayEquals(envelope.signature(), entries.get("signature.p7s"));
        assertArrayEquals(receipt.receiptBytes(), entries.get("receipt.json"));
        assertArrayEquals(receipt.signature(), entries.get("receipt.p7s"));
        assertEquals(List.of(organs.sender.certificate(), organs.root.certificate(), organs.recipient.certificate()),
                Pem.certificates(entries.get("chain.pem")));
    }

    @Test
    void writesTheSameFileForTheSameEvidence() {
        assertArrayEquals(EvidenceFile.write(envelope, receipt), EvidenceFile.write(envelope, receipt));
    }

    @Test
    void readsBackWhatItWroteAndSaysWhatItChecked() {
        Evidence evidence = EvidenceFile.read(EvidenceFile.write(envelope, receipt));

        assertEquals(new Evidence(envelope, receipt), evidence);
        List<String> checks = verifier.verify(evidence, organs.anchors(), Instant.now());

        assertTrue(checks.contains("payload digest: matches header (SHA-256 " + envelope.header().payloadSha256() + ")"));
        assertTrue(checks.contains("envelope signature: valid, signed by CN=000.00.00.G22,O=lienthong test,C=VN"));
        assertTrue(checks.contains("receipt signature: valid, signed by CN=000.00.00.H41,O=lienthong test,C=VN"));
        assertTrue(checks.stream().anyMatch(c -> c.startsWith("signer chain: trusted at ")
                && c.endsWith("(root: CN=Lienthong Test Root,O=lienthong test,C=VN)")), checks::toString);
        assertTrue(checks.stream().anyMatch(c -> c.startsWith("receipt refers to this envelope: yes")), checks::toString);
    }

    @Test
    void staysVerifiableAfterTheCertificatesHaveExpired() {
        Evidence evidence = EvidenceFile.read(EvidenceFile.write(envelope, receipt));
        Instant yearsLater = Instant.now().plus(Duration.ofDays(3 * 365));
        assertTrue(organs.sender.certificate().getNotAfter().toInstant().isBefore(yearsLater));

        assertEquals(10, verifier.verify(evidence, organs.anchors(), yearsLater).size());
    }

    @Test
    void refusesAReceiptDatedInTheFuture() {
        Receipt late = Receipt.forEnvelope(envelope, TestOrgans.RECIPIENT, Instant.now().plus(Duration.ofDays(1)));
        SignedReceipt signed = new ReceiptSigner(organs.cms).sign(late, organs.recipient);

        assertRejected(Reason.RECEIPT_MISMATCH,
                () -> verifier.verify(new Evidence(envelope, signed), organs.anchors(), Instant.now()));
    }

    @Test
    void refusesAReceiptForAnotherEnvelope() {
        Envelope other = organs.sealed("evidence-2", TestOrgans.payload("other"));

        assertRejected(Reason.RECEIPT_MISMATCH,
                () -> verifier.verify(new Evidence(envelope, organs.receiptFor(other)), organs.anchors(), Instant.now()));
    }

    @Test
    void refusesEvidenceWhosePayloadWasReplaced() throws IOException {
        Map<String, byte[]> entries = unzip(EvidenceFile.write(envelope, receipt));
        entries.put("payload.bin", TestOrgans.payload("forged"));
        Evidence tampered = EvidenceFile.read(zip(entries));

        assertRejected(Reason.PAYLOAD_DIGEST_MISMATCH, () -> verifier.verify(tampered, organs.anchors(), Instant.now()));
    }

    @Test
    void refusesEvidenceUnderAnotherRoot() {
        Evidence evidence = EvidenceFile.read(EvidenceFile.write(envelope, receipt));
        X509Certificate otherRoot = TestCertificateAuthority.root("Other Root").certificate();

        assertRejected(Reason.UNTRUSTED_SIGNER, () -> verifier.verify(evidence, List.of(otherRoot), Instant.now()));
    }

    @Test
    void refusesAnArchiveWithAMissingExtraOrRepeatedEntry() throws IOException {
        Map<String, byte[]> entries = unzip(EvidenceFile.write(envelope, receipt));

        Map<String, byte[]> missing = new LinkedHashMap<>(entries);
        missing.remove("receipt.p7s");
        assertEquals("the evidence file has no receipt.p7s", assertThrows(EnvelopeRejectedException.class,
                () -> EvidenceFile.read(zip(missing))).getMessage());

        Map<String, byte[]> extra = new LinkedHashMap<>(entries);
        extra.put("../../etc/cron.d/x", new byte[1]);
        assertRejected(Reason.MALFORMED, () -> EvidenceFile.read(zip(extra)));

        // ZipOutputStream refuses to write a name twice: write a look-alike, then rename it in the bytes.
        Map<String, byte[]> twice = new LinkedHashMap<>(entries);
        twice.put("header.jsoX", "{}".getBytes(StandardCharsets.US_ASCII));
        byte[] archive = new String(zip(twice), StandardCharsets.ISO_8859_1).replace("header.jsoX", "header.json")
                .getBytes(StandardCharsets.ISO_8859_1);
        assertEquals("the evidence file has two entries named header.json",
                assertThrows(EnvelopeRejectedException.class, () -> EvidenceFile.read(archive)).getMessage());
    }

    @Test
    void refusesAnArchiveThatExpandsBeyondTheLimit() throws IOException {
        Map<String, byte[]> entries = unzip(EvidenceFile.write(envelope, receipt));
        entries.put("payload.bin", new byte[4 * 1024 * 1024]);
        byte[] bomb = zip(entries);
        assertTrue(bomb.length < 64 * 1024);

        assertRejected(Reason.TOO_LARGE, () -> EvidenceFile.read(bomb, 1024 * 1024));
    }

    @Test
    void refusesWhatIsNotAZipArchive() {
        assertRejected(Reason.MALFORMED, () -> EvidenceFile.read("not a zip".getBytes(StandardCharsets.US_ASCII)));
        assertRejected(Reason.MALFORMED, () -> EvidenceFile.read(new byte[0]));
    }
}
