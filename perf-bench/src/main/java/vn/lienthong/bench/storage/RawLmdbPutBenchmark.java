package vn.lienthong.bench.storage;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.Txn;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The baseline: raw lmdbjava, one thread, default environment flags (every commit fsync'd), one
 * transaction of {@code putsPerTransaction} puts of {@code messageBytes} under random 16-byte keys
 * per operation. Puts per second are the score times {@code putsPerTransaction}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
public class RawLmdbPutBenchmark {

    @Param({"1024", "4096"})
    public int messageBytes;

    /** 1 and 100 always; the report adds the store's median batch size. */
    @Param({"1", "100"})
    public int putsPerTransaction;

    private Path directory;
    private Env<ByteBuffer> env;
    private Dbi<ByteBuffer> db;
    private final ByteBuffer key = ByteBuffer.allocateDirect(16);
    private ByteBuffer value;

    @Setup(Level.Trial)
    public void open() {
        directory = BenchDirectory.fresh("raw");
        env = Env.create().setMapSize(StorageEnqueueBenchmark.MAP_SIZE).setMaxDbs(1).open(directory.toFile());
        db = env.openDbi("bench", DbiFlags.MDB_CREATE);
        byte[] random = new byte[messageBytes];
        ThreadLocalRandom.current().nextBytes(random);
        value = ByteBuffer.allocateDirect(messageBytes).put(random).flip();
    }

    @TearDown(Level.Trial)
    public void close() {
        env.close();
        BenchDirectory.delete(directory);
    }

    @Benchmark
    public void commit() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        try (Txn<ByteBuffer> txn = env.txnWrite()) {
            for (int i = 0; i < putsPerTransaction; i++) {
                key.clear();
                key.putLong(0, random.nextLong()).putLong(8, random.nextLong());
                db.put(txn, key, value.duplicate());
            }
            txn.commit();
        }
    }
}
