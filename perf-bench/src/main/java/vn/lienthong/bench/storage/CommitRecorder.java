package vn.lienthong.bench.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import vn.lienthong.storage.CommitListener;

/**
 * Counts the store's commits by batch size (writes per commit) and their total time, while told to
 * record: the measurement iterations only. Written to a file the report reads, since JMH runs the
 * benchmark in a forked JVM.
 */
final class CommitRecorder implements CommitListener {

    /** Above the writer's largest group, so that no size is lost. */
    private static final int MAX_SIZE = 4096;

    private final AtomicLongArray commitsBySize = new AtomicLongArray(MAX_SIZE + 1);
    private final AtomicLong commitNanos = new AtomicLong();
    private volatile boolean recording;

    void recording(boolean on) {
        recording = on;
    }

    @Override
    public void committed(int writes, Duration took) {
        if (recording) {
            commitsBySize.incrementAndGet(Math.min(writes, MAX_SIZE));
            commitNanos.addAndGet(took.toNanos());
        }
    }

    /** Writes {@code commitNanos} on the first line, then one line {@code size commits} per size seen. */
    void writeTo(Path file) {
        List<String> lines = new ArrayList<>();
        lines.add(Long.toString(commitNanos.get()));
        for (int size = 1; size <= MAX_SIZE; size++) {
            long commits = commitsBySize.get(size);
            if (commits > 0) {
                lines.add(size + " " + commits);
            }
        }
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
