package vn.lienthong.storage.audit;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.storage.CommitListener;
import vn.lienthong.storage.Storage;
import vn.lienthong.storage.lmdb.LmdbEnvironment;

class AuditLogTest {

    private static final Instant T0 = Instant.parse("2026-03-12T08:00:00Z");
    private static final long MAP_SIZE = 16L * 1024 * 1024;

    @TempDir
    Path directory;

    private static AuditEvent event(int i) {
        return new AuditEvent(T0.plusSeconds(i), "operator", "provision tenant add", "organ 000.00.00.G" + (10 + i));
    }

    @Test
    void eachRecordHoldsTheHashOfTheOneBeforeAndTheChainVerifies() {
        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            AuditRecord first = storage.audit().append(event(0));
            List<AuditRecord> more = storage.audit().appendAll(List.of(event(1), event(2)));

            assertEquals(1, first.sequence());
            assertArrayEquals(new byte[32], first.previousHash());
            assertArrayEquals(first.hash(), more.get(0).previousHash());
            assertArrayEquals(more.get(0).hash(), more.get(1).previousHash());
            assertEquals(3, more.get(1).sequence());
            AuditVerification verification = storage.audit().verify();
            assertTrue(verification.intact(), verification.problem());
            assertEquals(3, verification.verified());
        }
        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            assertEquals(4, storage.audit().append(event(3)).sequence(), "the chain goes on after a restart");
            List<AuditRecord> all = new ArrayList<>();
            storage.audit().forEach(all::add);
            assertEquals(List.of(1L, 2L, 3L, 4L), all.stream().map(AuditRecord::sequence).toList());
            assertTrue(storage.audit().verify().intact());
        }
    }

    @Test
    void aRecordChangedOnDiskIsNamedAsTheFirstThatDoesNotFit() throws Exception {
        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            for (int i = 0; i < 5; i++) {
                storage.audit().append(event(i));
            }
        }
        // Someone with access to the file changes record 3's detail in place, bytes of the same length.
        Path data = directory.resolve("data.mdb");
        String bytes = new String(Files.readAllBytes(data), ISO_8859_1);
        assertTrue(bytes.contains("organ 000.00.00.G12"));
        // Every copy: LMDB leaves older versions of a page in the file until it reuses them.
        Files.write(data, bytes.replace("organ 000.00.00.G12", "organ 000.00.00.G66").getBytes(ISO_8859_1));

        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            AuditVerification verification = storage.audit().verify();
            assertEquals(OptionalLong.of(3), verification.firstBadSequence());
            assertEquals(2, verification.verified());
            assertTrue(verification.problem().contains("does not match its hash"), verification.problem());
        }
    }

    @Test
    void theHeadAndARecordBySequenceAreReadAndCheckpointsAreKeptBySequence() {
        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            assertTrue(storage.audit().head().isEmpty());
            assertTrue(storage.auditCheckpoints().latest().isEmpty());
            List<AuditRecord> written = storage.audit().appendAll(List.of(event(0), event(1), event(2)));
            assertArrayEquals(written.get(2).hash(), storage.audit().head().orElseThrow().hash());
            assertArrayEquals(written.get(1).hash(), storage.audit().record(2).orElseThrow().hash());
            assertTrue(storage.audit().record(4).isEmpty());

            storage.auditCheckpoints().add(new AuditCheckpoint(3, written.get(2).hash(), T0, new byte[] {1, 2}));
            storage.auditCheckpoints().add(new AuditCheckpoint(1, written.get(0).hash(), T0, new byte[] {3}));
        }
        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            List<AuditCheckpoint> all = storage.auditCheckpoints().all();
            assertEquals(List.of(1L, 3L), all.stream().map(AuditCheckpoint::sequence).toList());
            AuditCheckpoint latest = storage.auditCheckpoints().latest().orElseThrow();
            assertEquals(3, latest.sequence());
            assertEquals(T0, latest.at());
            assertArrayEquals(new byte[] {1, 2}, latest.signature());
            assertEquals(64, latest.signedContent().length, "the head hash in hex");
        }
    }

    @Test
    void olderCheckpointsThinOutToTheFirstOfEachDayBehindTheRecentOnes() {
        try (LmdbEnvironment environment = LmdbEnvironment.open(directory, MAP_SIZE, CommitListener.none())) {
            AuditCheckpoints checkpoints = new AuditCheckpoints(environment, 10);
            // One every six hours for five days, then the ten recent ones an hour apart.
            Instant start = Instant.parse("2026-03-01T00:00:00Z");
            for (int i = 0; i < 20; i++) {
                checkpoints.add(new AuditCheckpoint(i + 1, new byte[32], start.plus(Duration.ofHours(6L * i)), new byte[] {1}));
            }
            Instant later = start.plus(Duration.ofDays(10));
            for (int i = 0; i < 10; i++) {
                checkpoints.add(new AuditCheckpoint(100 + i, new byte[32], later.plus(Duration.ofHours(i)), new byte[] {1}));
            }
            assertEquals(List.of(1L, 5L, 9L, 13L, 17L, 100L, 101L, 102L, 103L, 104L, 105L, 106L, 107L, 108L, 109L),
                    checkpoints.all().stream().map(AuditCheckpoint::sequence).toList());
        }
    }
}
