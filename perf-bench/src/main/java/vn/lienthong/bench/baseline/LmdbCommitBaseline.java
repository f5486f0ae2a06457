package vn.lienthong.bench.baseline;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.HdrHistogram.Histogram;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.Txn;

/**
 * The raw durable LMDB commit rate, with lmdbjava directly: one writer, default (durable) flags so
 * every commit is fsync'd, {@code putsPerTransaction} values of the document's size per transaction.
 * One put per transaction is what a store without group commit pays per document; 100 per
 * transaction shows what grouping can buy on this disk.
 */
final class LmdbCommitBaseline {

    private static final long MAP_SIZE = 32L << 30;

    private LmdbCommitBaseline() {
    }

    static BaselineFigures.LmdbCommits measure(Path directory, int putsPerTransaction, int valueBytes,
                                               Duration duration) throws Exception {
        Files.createDirectories(directory);
        // The map is only reserved address space; the file grows with what is written. On a fast disk
        // 100 puts of 4 KiB per commit fill several GiB in a few seconds.
        try (Env<ByteBuffer> env = Env.create().setMapSize(MAP_SIZE).setMaxDbs(1).open(directory.toFile())) {
            Dbi<ByteBuffer> db = env.openDbi("bench", DbiFlags.MDB_CREATE);
            ByteBuffer key = ByteBuffer.allocateDirect(16);
            ByteBuffer value = ByteBuffer.allocateDirect(valueBytes);
            byte[] random = new byte[valueBytes];
            ThreadLocalRandom.current().nextBytes(random);
            value.put(random).flip();
            Histogram latency = new Histogram(3);
            long sequence = 0;
            long commits = 0;
            long start = System.nanoTime();
            long end = start + duration.toNanos();
            long now = start;
            while (now < end) {
                try (Txn<ByteBuffer> txn = env.txnWrite()) {
                    for (int i = 0; i < putsPerTransaction; i++) {
                        key.clear();
                        key.putLong(0, putsPerTransaction).putLong(8, sequence++);
                        db.put(txn, key, value.duplicate());
                    }
                    txn.commit();
                } catch (Env.MapFullException e) {
                    // Even the large map is full: the rate up to here is the figure.
                    break;
                }
                long after = System.nanoTime();
                latency.recordValue((after - now) / 1000);
                now = after;
                commits++;
            }
            double seconds = (now - start) / 1e9;
            return new BaselineFigures.LmdbCommits(putsPerTransaction, valueBytes, commits, commits / seconds,
                    commits * (double) putsPerTransaction / seconds, latency.getValueAtPercentile(50),
                    latency.getValueAtPercentile(99));
        } finally {
            try (var files = Files.list(directory)) {
                for (Path file : files.toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }
}
