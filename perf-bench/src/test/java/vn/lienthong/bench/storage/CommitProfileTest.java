package vn.lienthong.bench.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommitProfileTest {

    @TempDir
    Path dir;

    @Test
    void theMedianBatchIsTheSizeOfTheMiddleCommitAndRoundsAddUp() {
        CommitRecorder recorder = new CommitRecorder();
        recorder.committed(64, Duration.ofMillis(5)); // before recording starts: warm-up, not counted
        recorder.recording(true);
        recorder.committed(1, Duration.ofMillis(1));
        recorder.committed(63, Duration.ofMillis(3));
        recorder.committed(63, Duration.ofMillis(3));
        recorder.committed(64, Duration.ofMillis(5));
        recorder.writeTo(dir.resolve("a.commits"));

        CommitProfile profile = CommitProfile.read(dir.resolve("a.commits"));
        assertEquals(4, profile.commits());
        assertEquals(191, profile.writes());
        assertEquals(63, profile.percentile(50));
        assertEquals(64, profile.percentile(90));
        assertEquals(1, profile.percentile(0));
        assertEquals(3.0, profile.meanCommitMillis(), 1e-9);

        CommitProfile twice = profile.plus(CommitProfile.read(dir.resolve("a.commits")));
        assertEquals(8, twice.commits());
        assertEquals(63, twice.percentile(50));
    }
}
