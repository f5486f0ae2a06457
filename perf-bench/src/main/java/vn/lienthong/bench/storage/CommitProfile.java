package vn.lienthong.bench.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;

/**
 * The store's commits during one benchmark's measurement, read back from {@link CommitRecorder}'s
 * file: how many, how many writes each (batch size), and the time spent committing.
 */
record CommitProfile(TreeMap<Integer, Long> commitsBySize, long commitNanos) {

    static CommitProfile read(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            TreeMap<Integer, Long> bySize = new TreeMap<>();
            for (String line : lines.subList(1, lines.size())) {
                String[] parts = line.split(" ");
                bySize.put(Integer.parseInt(parts[0]), Long.parseLong(parts[1]));
            }
            return new CommitProfile(bySize, Long.parseLong(lines.getFirst()));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the commit profile " + file + ": " + e.getMessage(), e);
        }
    }

    /** Both profiles' commits together (the same benchmark measured in several rounds). */
    CommitProfile plus(CommitProfile other) {
        TreeMap<Integer, Long> merged = new TreeMap<>(commitsBySize);
        other.commitsBySize.forEach((size, commits) -> merged.merge(size, commits, Long::sum));
        return new CommitProfile(merged, commitNanos + other.commitNanos);
    }

    long commits() {
        return commitsBySize.values().stream().mapToLong(Long::longValue).sum();
    }

    long writes() {
        return commitsBySize.entrySet().stream().mapToLong(e -> e.getKey() * e.getValue()).sum();
    }

    /** The batch size at the given percentile of commits (50: the median commit's size); 0 if none. */
    int percentile(double percent) {
        long commits = commits();
        long rank = (long) Math.ceil(commits * percent / 100.0);
        long seen = 0;
        for (var entry : commitsBySize.entrySet()) {
            seen += entry.getValue();
            if (seen >= Math.max(1, rank)) {
                return entry.getKey();
            }
        }
        return 0;
    }

    double meanBatch() {
        long commits = commits();
        return commits == 0 ? 0 : writes() / (double) commits;
    }

    /** Mean time of one commit (the writer's work for the group, its page writes and the fsync), in ms. */
    double meanCommitMillis() {
        long commits = commits();
        return commits == 0 ? 0 : commitNanos / 1e6 / commits;
    }
}
