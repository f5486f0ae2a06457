package vn.lienthong.bench.storage;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;
import vn.lienthong.storage.Storage;
import vn.lienthong.storage.queue.MessageIds;
import vn.lienthong.storage.queue.OutboxEntry;
import vn.lienthong.storage.queue.OutboxMessage;
import vn.lienthong.storage.queue.PutResult;

/**
 * Durable enqueue through the store: {@code Storage.outbox().put} of one message of
 * {@code messageBytes} to one recipient, by 1, 16 or 64 producer threads at once, each put returning
 * only once its group commit is on disk. The commits' batch sizes are recorded (measurement
 * iterations only) for {@link StorageEnqueueReport}, which compares the rate with raw lmdbjava
 * committing batches of the median size ({@link RawLmdbPutBenchmark}).
 *
 * <p>Each trial begins with a store that already holds {@link #FILLED} messages, whatever the number
 * of producers: a commit's cost grows with the depth of the trees it changes, and an empty store
 * would give one producer, which writes a few thousand messages a trial, shallower trees than 64
 * producers, which write a hundred thousand. An appliance's store is not empty either: its message
 * index keeps every delivered message's state. The producers are JMH's threads: platform threads
 * unless the fork is given {@code -Djmh.executor=VIRTUAL}, as {@link StorageEnqueueReport} does by
 * default, since the appliance's request handlers, which call the store, are virtual threads.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
public class StorageEnqueueBenchmark {

    static final String TENANT = "000.00.00.G22";
    static final List<String> RECIPIENTS = List.of("000.00.01.H29");
    /** Sparse on disk; large enough that no trial has to grow it. */
    static final long MAP_SIZE = 32L << 30;
    /** Messages in the store before a trial is measured. */
    static final int FILLED = 100_000;
    private static final int FILLERS = 64;

    @Param({"1024", "4096"})
    public int messageBytes;

    private final CommitRecorder recorder = new CommitRecorder();
    private Path directory;
    private Storage storage;
    private byte[] envelope;

    @Setup(Level.Trial)
    public void open() throws InterruptedException, ExecutionException {
        directory = BenchDirectory.fresh("store");
        storage = Storage.open(directory, MAP_SIZE, recorder);
        envelope = new byte[messageBytes];
        ThreadLocalRandom.current().nextBytes(envelope);
        fill();
    }

    /** Puts {@link #FILLED} messages, from concurrent virtual threads so that it takes seconds. */
    private void fill() throws InterruptedException, ExecutionException {
        AtomicInteger left = new AtomicInteger(FILLED);
        List<Future<?>> fillers = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < FILLERS; i++) {
                fillers.add(threads.submit(() -> {
                    while (left.getAndDecrement() > 0) {
                        put();
                    }
                    return null;
                }));
            }
            for (Future<?> filler : fillers) {
                filler.get(); // a failed put fails the trial
            }
        }
    }

    @Setup(Level.Iteration)
    public void iteration(IterationParams iteration) {
        recorder.recording(iteration.getType() == IterationType.MEASUREMENT);
    }

    @TearDown(Level.Trial)
    public void close(BenchmarkParams params) {
        storage.close();
        BenchDirectory.delete(directory);
        recorder.writeTo(commitsFile(params.getBenchmark(), messageBytes));
    }

    /** Where the fork leaves the batch sizes of {@code benchmark} (its full name) at {@code messageBytes}. */
    static Path commitsFile(String benchmark, int messageBytes) {
        return BenchDirectory.root().resolve(benchmark.substring(benchmark.lastIndexOf('.') + 1)
                + "-" + messageBytes + ".commits");
    }

    @Benchmark
    @Threads(1)
    public PutResult<OutboxEntry> producers1() {
        return put();
    }

    @Benchmark
    @Threads(16)
    public PutResult<OutboxEntry> producers16() {
        return put();
    }

    @Benchmark
    @Threads(64)
    public PutResult<OutboxEntry> producers64() {
        return put();
    }

    private PutResult<OutboxEntry> put() {
        // The id the appliance gives a new message (time-ordered); a client's Idempotency-Key gives a random one.
        Instant now = Instant.now();
        String messageId = MessageIds.timeOrdered(now).toString();
        return storage.outbox().put(new OutboxMessage(TENANT, messageId, RECIPIENTS, envelope, now));
    }
}
