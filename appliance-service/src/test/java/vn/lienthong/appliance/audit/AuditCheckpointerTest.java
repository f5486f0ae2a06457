package vn.lienthong.appliance.audit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.hsm.cert.Csr;
import vn.lienthong.hsm.cms.CmsSigner;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.testing.TestCertificateAuthority;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;
import vn.lienthong.storage.Storage;
import vn.lienthong.storage.audit.AuditCheckpoint;
import vn.lienthong.storage.audit.AuditEvent;

/**
 * When the head of a real LMDB audit log is signed, with a key in a real SoftHSM2 token and a clock
 * the test moves, and what a checkpoint proves about the log afterwards.
 */
class AuditCheckpointerTest {

    private static SoftHsmTestToken softHsm;
    private static Token token;
    private static TestCertificateAuthority root;
    private static TokenKey key;

    @TempDir
    Path directory;
    Storage storage;
    /** Now: a checkpoint is verified with the certificates valid at its time. */
    RefusalAuditTest.MovableClock clock = new RefusalAuditTest.MovableClock(Instant.now());
    AuditCheckpointer checkpointer;

    @BeforeAll
    static void tokenKeyWithCertificate() {
        softHsm = SoftHsmTestToken.create("checkpoint");
        token = Token.open(softHsm.config());
        root = TestCertificateAuthority.root("Test Root CA");
        TokenKey generated = token.generateKey("tls", KeyAlgorithm.EC_P256);
        String csr = Csr.pem(generated, token.provider(), "CN=appliance a,O=lienthong test,C=VN", List.of(), List.of());
        key = token.storeChain("tls", root.chainOf(root.issue(csr)));
    }

    @AfterAll
    static void closeToken() {
        token.close();
        softHsm.close();
    }

    @BeforeEach
    void open() {
        storage = Storage.open(directory, 64L * 1024 * 1024);
        CmsSigner cms = new CmsSigner(token.provider());
        checkpointer = new AuditCheckpointer(storage.audit(), storage.auditCheckpoints(),
                content -> cms.signDetached(key, content), clock);
    }

    @AfterEach
    void close() {
        storage.close();
    }

    private void append(int records) {
        List<AuditEvent> events = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            events.add(new AuditEvent(clock.instant(), "operator", "provision tenant add", "organ " + i));
        }
        storage.audit().appendAll(events);
    }

    @Test
    void signsTheHeadAtOnceThenAtMostEveryMinuteOrEveryThousandRecordsAndNeverAnUnchangedHead() {
        checkpointer.checkpointIfDue();
        assertTrue(storage.auditCheckpoints().all().isEmpty(), "an empty log has no head to sign");

        append(3);
        checkpointer.checkpointIfDue();
        assertEquals(List.of(3L), sequences(), "the first head is signed at once");

        append(10);
        clock.advance(Duration.ofSeconds(59));
        checkpointer.checkpointIfDue();
        assertEquals(List.of(3L), sequences(), "10 records and 59 s: not yet");
        clock.advance(Duration.ofSeconds(1));
        checkpointer.checkpointIfDue();
        assertEquals(List.of(3L, 13L), sequences(), "a minute after the last checkpoint");

        clock.advance(Duration.ofMinutes(5));
        checkpointer.checkpointIfDue();
        assertEquals(List.of(3L, 13L), sequences(), "an unchanged head is not signed again");

        append(999);
        checkpointer.checkpointIfDue();
        assertEquals(List.of(3L, 13L, 1012L), sequences(), "a minute passed and records came");
        append(999);
        checkpointer.checkpointIfDue();
        assertEquals(List.of(3L, 13L, 1012L), sequences(), "999 records within the minute: not yet");
        append(1);
        checkpointer.checkpointIfDue();
        assertEquals(List.of(3L, 13L, 1012L, 2012L), sequences(), "1,000 records: at once");
    }

    @Test
    void aCheckpointVerifiesAgainstTheRootAndSurvivesItsFile() throws Exception {
        append(5);
        AuditCheckpoint checkpoint = checkpointer.checkpoint().orElseThrow();
        assertEquals(Optional.empty(), CheckpointCheck.problem(checkpoint, storage.audit(), List.of(root.certificate())));
        assertEquals(key.certificate(), CheckpointCheck.signer(checkpoint, List.of(root.certificate())));

        Path file = Files.writeString(directory.resolve("checkpoint.pem"), CheckpointFile.format(checkpoint));
        AuditCheckpoint read = CheckpointFile.read(file);
        assertEquals(checkpoint.sequence(), read.sequence());
        assertEquals(checkpoint.at(), read.at());
        assertArrayEquals(checkpoint.headHash(), read.headHash());
        assertArrayEquals(checkpoint.signature(), read.signature());

        append(2);
        assertEquals(Optional.empty(), CheckpointCheck.problem(read, storage.audit(), List.of(root.certificate())),
                "a longer log still extends it");
        TestCertificateAuthority other = TestCertificateAuthority.root("Another Root CA");
        assertTrue(CheckpointCheck.problem(read, storage.audit(), List.of(other.certificate())).orElseThrow()
                .contains("does not carry a valid signature"));
        byte[] otherHead = checkpoint.headHash().clone();
        otherHead[0] ^= 1;
        AuditCheckpoint forged = new AuditCheckpoint(checkpoint.sequence(), otherHead, checkpoint.at(),
                checkpoint.signature());
        assertTrue(CheckpointCheck.problem(forged, storage.audit(), List.of(root.certificate())).orElseThrow()
                .contains("does not carry a valid signature"), "the signature covers the head hash");
    }

    private List<Long> sequences() {
        return storage.auditCheckpoints().all().stream().map(AuditCheckpoint::sequence).toList();
    }
}
