package vn.lienthong.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import vn.lienthong.appliance.cli.JvmLauncher;
import vn.lienthong.appliance.config.ApplianceConfig;
import vn.lienthong.appliance.demo.ApplianceSetup.TenantSpec;
import vn.lienthong.appliance.demo.DemoCa;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.hsm.cms.CmsVerifier;
import vn.lienthong.hsm.testing.ChildProcess;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.storage.CommitListener;
import vn.lienthong.storage.audit.AuditCheckpoint;
import vn.lienthong.storage.audit.AuditEvent;
import vn.lienthong.storage.audit.AuditLog;
import vn.lienthong.storage.lmdb.BinaryWriter;
import vn.lienthong.storage.lmdb.Database;
import vn.lienthong.storage.lmdb.LmdbEnvironment;

/**
 * A real appliance signs its audit log's head with its HSM key; the checkpoint an operator exports
 * verifies with OpenSSL alone, and {@code audit verify --checkpoint} catches a log cut short or
 * recomputed behind it (the store edited with the service stopped, as someone with the disk would).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuditCheckpointTest {

    @TempDir
    static Path dir;
    static SoftHsmTestToken token;
    static DemoCa ca;
    static Path rootPem;
    static TestAppliance a;
    static Path exported;
    static long exportedSequence;

    @BeforeAll
    static void startAnAppliance() throws Exception {
        token = SoftHsmTestToken.create("audit");
        ca = DemoCa.create("test CA");
        rootPem = Files.writeString(dir.resolve("root.pem"), DemoCa.pem(ca.root()));
        a = TestAppliance.provision("a", dir, token, ca, rootPem,
                List.of(new TenantSpec("000.00.00.G22", "Văn phòng Chính phủ", "ecp256")));
        a.start();
    }

    @AfterAll
    static void stop() {
        TestAppliance.closeAll(a, token);
    }

    @Test
    @Order(1)
    void theRunningApplianceSignsItsHeadAndOpensslVerifiesTheExportedCheckpointAgainstTheRootAlone() throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (a.running.storage().auditCheckpoints().latest().isEmpty()) {
            assertTrue(Instant.now().isBefore(deadline), "no checkpoint of the provisioning records in 30 s");
            Thread.sleep(100);
        }
        Path file = dir.resolve("checkpoint-running.pem");
        // Another process, as the operator's command is, while the service runs.
        JvmLauncher launcher = new JvmLauncher();
        JvmLauncher.Result export = launcher.run(Map.of(), List.of("audit", "checkpoint", "export", "-o",
                file.toString(), "--config", a.config.toString()));
        assertEquals(0, export.exitCode(), export.output());

        // README's recipe, as an operator runs it.
        ChildProcess.Result openssl = ChildProcess.run(List.of("sh", "-c",
                "cd '" + dir + "' && sed -n 's/^head: //p' checkpoint-running.pem | tr -d '\\n' > head.txt"
                        + " && openssl cms -verify -binary -inform PEM -in checkpoint-running.pem -content head.txt"
                        + " -CAfile root.pem -purpose any -out /dev/null"));
        assertEquals(0, openssl.exitCode(), openssl.output());
        assertTrue(openssl.output().contains("Verification successful"), openssl.output());

        AuditCheckpoint checkpoint = vn.lienthong.appliance.audit.CheckpointFile.read(file);
        assertEquals(a.setup.tlsCertificateSha256(), Pem.sha256Fingerprint(
                CmsVerifier.verifyDetached(checkpoint.signature(), checkpoint.signedContent()).signer()),
                "signed with the appliance's own TLS identity key");
        JvmLauncher.Result verify = launcher.run(Map.of(), List.of("audit", "verify", "--checkpoint", file.toString(),
                "--config", a.config.toString()));
        assertEquals(0, verify.exitCode(), verify.output());
        assertTrue(verify.output().contains("signed checkpoints verified") && verify.output().contains("extends"),
                verify.output());
    }

    @Test
    @Order(2)
    void auditVerifyReportsATailCutOffBehindAnExportedCheckpoint() throws Exception {
        stopAndExport();
        long cut = exportedSequence - 2;
        // The records after the cut go, and with them the stored checkpoints that would tell.
        edit(log -> {
        }, cut, true);
        Cli verify = audit("verify", "--checkpoint", exported.toString());
        assertEquals(1, verify.exit(), verify.err());
        assertOneSentence(verify.err(), "the audit log ends at record " + cut, "its tail was cut off");

        restore();
        edit(log -> {
        }, cut, false);
        Cli storedOnly = audit("verify");
        assertEquals(1, storedOnly.exit(), storedOnly.err());
        assertOneSentence(storedOnly.err(), "the audit log ends at record " + cut, "its tail was cut off");
    }

    @Test
    @Order(3)
    void auditVerifyReportsAChainRecomputedBehindAnExportedCheckpoint() throws Exception {
        restore();
        long cut = exportedSequence - 2;
        edit(log -> {
            List<AuditEvent> rewritten = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                rewritten.add(new AuditEvent(Instant.now(), "operator", "provision tenant add", "rewritten " + i));
            }
            log.appendAll(rewritten);
        }, cut, true);
        Cli chainOnly = audit("verify");
        assertEquals(0, chainOnly.exit(), "the recomputed chain holds together by itself: " + chainOnly.err());

        Cli verify = audit("verify", "--checkpoint", exported.toString());
        assertEquals(1, verify.exit(), verify.err());
        assertOneSentence(verify.err(), "record " + exportedSequence + " has another hash", "recomputed");
    }

    // --- helpers -----------------------------------------------------------------------------

    /** Stops the appliance (its last records are signed as it stops) and exports the latest checkpoint. */
    private static void stopAndExport() throws Exception {
        if (a.running != null) {
            long head = a.running.storage().audit().size();
            a.close();
            a.running = null;
            exported = dir.resolve("checkpoint.pem");
            Cli export = audit("checkpoint", "export", "-o", exported.toString());
            assertEquals(0, export.exit(), export.err());
            exportedSequence = vn.lienthong.appliance.audit.CheckpointFile.read(exported).sequence();
            assertEquals(head, exportedSequence, "the head at shutdown is signed");
            Files.copy(data().resolve("data.mdb"), dir.resolve("pristine.mdb"));
        }
    }

    private static void restore() throws Exception {
        Files.copy(dir.resolve("pristine.mdb"), data().resolve("data.mdb"), StandardCopyOption.REPLACE_EXISTING);
    }

    private static Path data() {
        return ApplianceConfig.load(a.config).storagePath();
    }

    /**
     * Removes the audit records after {@code cut} (and the stored checkpoints after it, if
     * {@code hideCheckpoints}), then lets {@code then} append to the log: the store as an intruder
     * with the disk but not the HSM key would leave it.
     */
    private static void edit(java.util.function.Consumer<AuditLog> then, long cut, boolean hideCheckpoints) {
        long last = exportedSequence;
        try (LmdbEnvironment environment = LmdbEnvironment.open(data(), 64L * 1024 * 1024, CommitListener.none())) {
            environment.write(tx -> {
                for (long sequence = cut + 1; sequence <= last; sequence++) {
                    assertTrue(tx.delete(Database.AUDIT, new BinaryWriter(8).i64(sequence).toBuffer()));
                    if (hideCheckpoints) {
                        tx.delete(Database.AUDIT_CHECKPOINTS, new BinaryWriter(8).i64(sequence).toBuffer());
                    }
                }
                return null;
            });
            then.accept(new AuditLog(environment));
        }
    }

    private record Cli(int exit, String out, String err) {
    }

    /** {@code lienthong audit ARGS --config CONFIG} in this JVM (the service is stopped). */
    private static Cli audit(String... arguments) {
        List<String> all = new ArrayList<>(List.of("audit"));
        all.addAll(List.of(arguments));
        all.addAll(List.of("--config", a.config.toString()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = Lienthong.commandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int exit = commandLine.execute(all.toArray(String[]::new));
        return new Cli(exit, out.toString(), err.toString());
    }

    private static void assertOneSentence(String err, String... parts) {
        String line = err.strip();
        assertTrue(line.startsWith("error: ") && !line.contains("\n") && !line.contains("Exception"), err);
        for (String part : parts) {
            assertTrue(line.contains(part), "'" + part + "' in: " + line);
        }
    }
}
