package vn.lienthong.bench.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where the storage benchmarks keep their LMDB files: the directory named by the system property
 * {@code lienthong.bench.dir} ({@code bench-storage.sh} sets it), else {@code target/bench-storage}.
 * It must be on a real disk: on tmpfs an fsync costs nothing and the figures mean nothing.
 */
final class BenchDirectory {

    static final String PROPERTY = "lienthong.bench.dir";

    private BenchDirectory() {
    }

    static Path root() {
        return Path.of(System.getProperty(PROPERTY, "target/bench-storage")).toAbsolutePath();
    }

    /** A new empty directory below the root for one trial's environment. */
    static Path fresh(String name) {
        try {
            Files.createDirectories(root());
            return Files.createTempDirectory(root(), name + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void delete(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
