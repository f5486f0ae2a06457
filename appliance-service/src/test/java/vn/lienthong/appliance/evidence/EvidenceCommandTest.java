package vn.lienthong.appliance.evidence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import vn.lienthong.appliance.envelope.Envelope;
import vn.lienthong.appliance.envelope.SignedReceipt;
import vn.lienthong.appliance.envelope.TestOrgans;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.hsm.testing.ChildProcess;
import vn.lienthong.hsm.testing.TestCertificateAuthority;

class EvidenceCommandTest {

    private static TestOrgans organs;
    private static Envelope envelope;
    private static SignedReceipt receipt;

    @TempDir
    Path dir;

    @BeforeAll
    static void anEnvelopeAndItsReceipt() {
        organs = TestOrgans.create("evidence-cli");
        envelope = organs.sealed("cli-1", TestOrgans.payload("evidence on the command line"));
        receipt = organs.receiptFor(envelope);
    }

    @AfterAll
    static void removeToken() {
        organs.close();
    }

    /** What an in-process run of the command did. */
    record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = new CommandLine(new EvidenceCommand())
                .setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true));
        int exitCode = command.execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    private Path evidenceFile() throws IOException {
        return Files.write(dir.resolve("cli-1.evidence.zip"), EvidenceFile.write(envelope, receipt));
    }

    private Path rootPem() throws IOException {
        return Files.writeString(dir.resolve("root.pem"), Pem.certificates(organs.anchors()));
    }

    private static ChildProcess.Result openssl(Path unpacked, String signature, String content, Path caFile) {
        return ChildProcess.run(List.of("openssl", "cms", "-verify", "-binary", "-inform", "DER",
                "-in", unpacked.resolve(signature).toString(), "-content", unpacked.resolve(content).toString(),
                "-CAfile", caFile.toString(), "-purpose", "any", "-out", "/dev/null"));
    }

    @Test
    void unpacksTheSixPartsSoThatOpensslVerifiesBothSignatures() throws IOException {
        Path unpacked = dir.resolve("unpacked");

        Run unpack = run("unpack", evidenceFile().toString(), unpacked.toString());

        assertEquals(0, unpack.exitCode(), unpack.err());
        assertEquals(6, unpack.out().lines().count());
        for (String name : EvidenceFile.ENTRIES) {
            assertTrue(Files.isRegularFile(unpacked.resolve(name)), name);
        }
        assertArrayEquals(envelope.headerBytes(), Files.readAllBytes(unpacked.resolve("header.json")));
        // The definition of done: OpenSSL alone checks the envelope signature over header.json.
        Path root = rootPem();
        ChildProcess.Result envelopeCheck = openssl(unpacked, "signature.p7s", "header.json", root);
        assertEquals(0, envelopeCheck.exitCode(), envelopeCheck.output());
        assertTrue(envelopeCheck.output().contains("Verification successful"), envelopeCheck.output());
        ChildProcess.Result receiptCheck = openssl(unpacked, "receipt.p7s", "receipt.json", root);
        assertEquals(0, receiptCheck.exitCode(), receiptCheck.output());
    }

    @Test
    void opensslRefusesTheUnpackedSignatureUnderAnotherRootOrOverOtherContent() throws IOException {
        Path unpacked = dir.resolve("unpacked");
        assertEquals(0, run("unpack", evidenceFile().toString(), unpacked.toString()).exitCode());
        Path otherRoot = Files.writeString(dir.resolve("other.pem"),
                Pem.certificates(List.of(TestCertificateAuthority.root("Other Root").certificate())));

        assertNotEquals(0, openssl(unpacked, "signature.p7s", "header.json", otherRoot).exitCode());
        assertNotEquals(0, openssl(unpacked, "signature.p7s", "receipt.json", rootPem()).exitCode());
    }

    @Test
    void neverOverwritesAFileWhenUnpacking() throws IOException {
        Path unpacked = Files.createDirectories(dir.resolve("unpacked"));
        Files.writeString(unpacked.resolve("payload.bin"), "keep me");

        Run unpack = run("unpack", evidenceFile().toString(), unpacked.toString());

        assertEquals(1, unpack.exitCode());
        assertEquals("error: " + unpacked.resolve("payload.bin") + " exists already: unpack into a new or empty directory",
                unpack.err().strip());
        assertEquals("keep me", Files.readString(unpacked.resolve("payload.bin")));
    }

    @Test
    void verifyPrintsWhatItCheckedAndExitsZero() throws IOException {
        Run verify = run("verify", evidenceFile().toString(), "--trust", rootPem().toString());

        assertEquals(0, verify.exitCode(), verify.err());
        assertEquals("", verify.err());
        assertTrue(verify.out().contains("envelope signature: valid, signed by CN=000.00.00.G22"), verify.out());
        assertTrue(verify.out().contains("receipt refers to this envelope: yes"), verify.out());
        assertTrue(verify.out().strip().endsWith("evidence: valid"), verify.out());
    }

    @Test
    void verifyExitsOneWithOneSentenceWhenTheEvidenceWasTamperedWith() throws IOException {
        Map<String, byte[]> entries = EvidenceFileTest.unzip(EvidenceFile.write(envelope, receipt));
        entries.put("payload.bin", "forged".getBytes(StandardCharsets.UTF_8));
        Path tampered = Files.write(dir.resolve("tampered.zip"), EvidenceFileTest.zip(entries));

        Run verify = run("verify", tampered.toString(), "--trust", rootPem().toString());

        assertEquals(1, verify.exitCode());
        assertEquals("", verify.out());
        assertEquals(1, verify.err().lines().count(), verify.err());
        assertTrue(verify.err().contains("is not the one its header describes"), verify.err());
    }

    private Path batchEvidenceFile() throws IOException {
        Envelope batched = organs.batchSealed("batch-cli", 5).get(3);
        return Files.write(dir.resolve("batch.evidence.zip"), EvidenceFile.write(batched, organs.receiptFor(batched)));
    }

    @Test
    void unpacksTheBatchRootAndProofSoThatOpensslVerifiesTheSignatureOverTheRoot() throws IOException {
        Path unpacked = dir.resolve("unpacked");

        Run unpack = run("unpack", batchEvidenceFile().toString(), unpacked.toString());

        assertEquals(0, unpack.exitCode(), unpack.err());
        assertEquals(8, unpack.out().lines().count(), unpack.out());
        String proof = Files.readString(unpacked.resolve("proof.json"));
        assertTrue(proof.startsWith("{\"leafIndex\":3,\"treeSize\":5,\"path\":[\""), proof);
        assertTrue(Files.readString(unpacked.resolve("batch-root.bin")).startsWith("lienthong-batch-root/1\n"));
        ChildProcess.Result rootCheck = openssl(unpacked, "signature.p7s", "batch-root.bin", rootPem());
        assertEquals(0, rootCheck.exitCode(), rootCheck.output());
        assertNotEquals(0, openssl(unpacked, "signature.p7s", "header.json", rootPem()).exitCode());
    }

    @Test
    void verifyChecksTheBatchProofOfABatchSignedEnvelope() throws IOException {
        Path file = batchEvidenceFile();
        Run verify = run("verify", file.toString(), "--trust", rootPem().toString());

        assertEquals(0, verify.exitCode(), verify.err());
        assertTrue(verify.out().contains("batch proof: valid, the header is entry 4 of 5 under root "), verify.out());
        assertTrue(verify.out().contains("envelope signature: valid over the batch root, signed by CN=000.00.00.G22"),
                verify.out());

        Map<String, byte[]> entries = EvidenceFileTest.unzip(Files.readAllBytes(file));
        String proof = new String(entries.get("proof.json"), StandardCharsets.UTF_8);
        entries.put("proof.json", proof.replace("\"leafIndex\":3", "\"leafIndex\":2").getBytes(StandardCharsets.UTF_8));
        Path tampered = Files.write(dir.resolve("tampered.zip"), EvidenceFileTest.zip(entries));
        Run refused = run("verify", tampered.toString(), "--trust", rootPem().toString());

        assertEquals(1, refused.exitCode());
        assertEquals("error: the batch proof of message batch-cli-3 does not lead from its header to the signed batch root",
                refused.err().strip());
    }

    @Test
    void verifyExitsOneWhenTheFileDoesNotExist() throws IOException {
        Run verify = run("verify", dir.resolve("missing.zip").toString(), "--trust", rootPem().toString());

        assertEquals(1, verify.exitCode());
        assertEquals("error: " + dir.resolve("missing.zip") + " does not exist", verify.err().strip());
    }

    @Test
    void verifyExitsTwoWithoutTrustedRoots() throws IOException {
        assertEquals(2, run("verify", evidenceFile().toString()).exitCode());
    }

    @Test
    void asAProgramItExitsZeroForGoodEvidenceAndOneWithoutAStackTraceForBad() throws IOException {
        Path good = evidenceFile();
        Path root = rootPem();
        Path otherRoot = Files.writeString(dir.resolve("other.pem"),
                Pem.certificates(List.of(TestCertificateAuthority.root("Other Root").certificate())));

        ChildProcess.Result passed = ChildProcess.runJava(EvidenceCommandMain.class, "verify", good.toString(),
                "--trust", root.toString());
        ChildProcess.Result failed = ChildProcess.runJava(EvidenceCommandMain.class, "verify", good.toString(),
                "--trust", otherRoot.toString());

        assertEquals(0, passed.exitCode(), passed.output());
        assertTrue(passed.output().contains("evidence: valid"), passed.output());
        assertEquals(1, failed.exitCode(), failed.output());
        assertEquals(1, failed.output().strip().lines().count(), failed.output());
        assertTrue(failed.output().startsWith("error: the envelope signer is not trusted"), failed.output());
        assertFalse(failed.output().contains("Exception") || failed.output().contains("\tat "), failed.output());
    }
}
