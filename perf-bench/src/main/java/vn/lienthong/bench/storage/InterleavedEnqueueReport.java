package vn.lienthong.bench.storage;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import vn.lienthong.storage.Storage;
import vn.lienthong.storage.queue.MessageIds;
import vn.lienthong.storage.queue.OutboxMessage;

/**
 * The store and its baseline in alternating short slices in one JVM, so that the figures of each
 * ratio meet the same disk: store with one producer, store with 64 producers (both as
 * {@link StorageEnqueueBenchmark}), then raw lmdbjava committing transactions of the store's median
 * batch ({@link RawLmdbPutBenchmark}, layout {@code value}: one put per message). Each ratio is the
 * median over the triplets. JMH's forks ({@link StorageEnqueueReport}) meet the disk seconds apart.
 * The producers are virtual threads, as the appliance's request handlers are (the local API's and
 * the axis listener's), or platform threads, as JMH's are by default.
 */
public final class InterleavedEnqueueReport {

    private static final int PRODUCERS = 64;
    private static final long WARM_UP_NANOS = 4_000_000_000L;

    private final int triplets;
    private final long sliceNanos;
    private final boolean virtualProducers;

    private InterleavedEnqueueReport(int triplets, long sliceMillis, boolean virtualProducers) {
        this.triplets = triplets;
        this.sliceNanos = sliceMillis * 1_000_000;
        this.virtualProducers = virtualProducers;
    }

    /**
     * Arguments: triplets per message size (default 30), milliseconds per slice (default 400),
     * message sizes in bytes, comma-separated (default 1024,4096), and the producers' threads,
     * {@code virtual} (default, as the appliance's request handlers) or {@code platform}.
     */
    public static void main(String[] args) throws Exception {
        int triplets = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        long slice = args.length > 1 ? Long.parseLong(args[1]) : 400;
        List<Integer> sizes = java.util.Arrays.stream((args.length > 2 ? args[2] : "1024,4096").split(","))
                .map(Integer::valueOf).toList();
        boolean virtual = args.length <= 3 || ProducerThreads.virtual(args[3]);
        System.out.printf("LMDB files in %s; %d triplets of %d ms slices per message size; producers on %s threads%n",
                BenchDirectory.root(), triplets, slice, virtual ? "virtual" : "platform");
        boolean met = true;
        for (int size : sizes) {
            met &= new InterleavedEnqueueReport(triplets, slice, virtual).measure(size);
        }
        System.out.printf("%ninterleaved: all targets %s%n", met ? "met" : "NOT met");
        System.exit(0);
    }

    private boolean measure(int size) throws Exception {
        Path storeDirectory = BenchDirectory.fresh("store");
        CommitRecorder warmUpCommits = new CommitRecorder();
        CommitRecorder measuredCommits = new CommitRecorder();
        AtomicReference<CommitRecorder> recorder = new AtomicReference<>(warmUpCommits);
        RawLmdbPutBenchmark raw = new RawLmdbPutBenchmark();
        raw.messageBytes = size;
        raw.layout = "value";
        raw.open();
        RawLmdbPutBenchmark rawOutbox = new RawLmdbPutBenchmark();
        rawOutbox.messageBytes = size;
        rawOutbox.layout = "outbox";
        rawOutbox.open();
        try (Storage storage = Storage.open(storeDirectory, StorageEnqueueBenchmark.MAP_SIZE,
                (writes, took) -> recorder.get().committed(writes, took))) {
            Producers producers = new Producers(storage, size, virtualProducers);
            // Warm up both (the JIT, the trees' upper levels) and find the store's median batch.
            warmUpCommits.recording(true);
            producers.run(PRODUCERS, WARM_UP_NANOS);
            int batch = Math.max(1, profile(warmUpCommits).percentile(50));
            recorder.set(measuredCommits);
            raw.putsPerTransaction = batch;
            rawOutbox.putsPerTransaction = batch;
            rawRate(raw, WARM_UP_NANOS / 2);
            rawRate(rawOutbox, WARM_UP_NANOS / 2);

            List<Double> store1 = new ArrayList<>();
            List<Double> store64 = new ArrayList<>();
            List<Double> baseline = new ArrayList<>();
            List<Double> outboxPuts = new ArrayList<>();
            long[] written = new long[3];
            long[] messages = new long[3];
            for (int i = 0; i < triplets; i++) {
                store1.add(producers.run(1, sliceNanos));
                measuredCommits.recording(true);
                long before = bytesWritten();
                long puts = producers.puts();
                store64.add(producers.run(PRODUCERS, sliceNanos));
                written[0] += bytesWritten() - before;
                messages[0] += producers.puts() - puts;
                measuredCommits.recording(false);
                before = bytesWritten();
                baseline.add(rawRate(raw, sliceNanos, messages, 1));
                written[1] += bytesWritten() - before;
                before = bytesWritten();
                outboxPuts.add(rawRate(rawOutbox, sliceNanos, messages, 2));
                written[2] += bytesWritten() - before;
            }
            producers.stop();
            List<Double> toRaw = ratios(store64, baseline);
            List<Double> scaling = ratios(store64, store1);
            CommitProfile commits = profile(measuredCommits);
            System.out.printf("%n%d B: medians of %d triplets: store 1 producer %.0f/s, store 64 producers %.0f/s,"
                    + " raw lmdbjava %d per txn %.0f messages/s (the store's median batch in the warm-up;"
                    + " measured: p50 %d, p90 %d, %.2f ms per commit)%n", size, triplets, median(store1),
                    median(store64), batch, median(baseline), commits.percentile(50), commits.percentile(90),
                    commits.meanCommitMillis());
            System.out.printf("%d B: store 64 producers / raw at %d per txn = %.2f (quartiles %.2f-%.2f; target >= 0.8: %s)%n",
                    size, batch, median(toRaw), quantile(toRaw, 0.25), quantile(toRaw, 0.75),
                    median(toRaw) >= 0.8 ? "met" : "NOT met");
            List<Double> writer = ratios(store64, outboxPuts);
            List<Double> records = ratios(outboxPuts, baseline);
            System.out.printf("%d B: store 64 producers / raw making the store's puts = %.2f (quartiles %.2f-%.2f;"
                    + " the writer); those puts / one put per message = %.2f (%.2f-%.2f; the records)%n", size,
                    median(writer), quantile(writer, 0.25), quantile(writer, 0.75), median(records),
                    quantile(records, 0.25), quantile(records, 0.75));
            System.out.printf("%d B: bytes written per message: store %.0f, raw %.0f, raw making the store's puts %.0f%n",
                    size, written[0] / (double) Math.max(1, messages[0]), written[1] / (double) Math.max(1, messages[1]),
                    written[2] / (double) Math.max(1, messages[2]));
            System.out.printf("%d B: store 64 producers / store 1 producer = %.1f (quartiles %.1f-%.1f; target >= 20: %s)%n",
                    size, median(scaling), quantile(scaling, 0.25), quantile(scaling, 0.75),
                    median(scaling) >= 20 ? "met" : "NOT met");
            return median(toRaw) >= 0.8 && median(scaling) >= 20;
        } finally {
            raw.close();
            rawOutbox.close();
            BenchDirectory.delete(storeDirectory);
        }
    }

    private static CommitProfile profile(CommitRecorder recorder) {
        Path file = BenchDirectory.root().resolve("interleaved.commits");
        recorder.writeTo(file);
        return CommitProfile.read(file);
    }

    /** Bytes this process has handed to write calls so far (Linux {@code /proc/self/io}), or 0 elsewhere. */
    private static long bytesWritten() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/io"))) {
                if (line.startsWith("wchar:")) {
                    return Long.parseLong(line.substring(6).trim());
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // Not Linux: no byte counts.
        }
        return 0;
    }

    private static double rawRate(RawLmdbPutBenchmark raw, long nanos, long[] messages, int index) {
        long before = System.nanoTime();
        double rate = rawRate(raw, nanos);
        messages[index] += Math.round(rate * (System.nanoTime() - before) / 1e9);
        return rate;
    }

    /** Messages per second raw lmdbjava commits during {@code nanos}. */
    private static double rawRate(RawLmdbPutBenchmark raw, long nanos) {
        long started = System.nanoTime();
        long commits = 0;
        long elapsed;
        do {
            raw.commit();
            commits++;
            elapsed = System.nanoTime() - started;
        } while (elapsed < nanos);
        return commits * raw.putsPerTransaction * 1e9 / elapsed;
    }

    private static List<Double> ratios(List<Double> numerators, List<Double> denominators) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < numerators.size(); i++) {
            ratios.add(numerators.get(i) / denominators.get(i));
        }
        return ratios;
    }

    private static double median(List<Double> values) {
        return quantile(values, 0.5);
    }

    private static double quantile(List<Double> values, double q) {
        List<Double> sorted = values.stream().sorted().toList();
        double position = q * (sorted.size() - 1);
        int below = (int) Math.floor(position);
        int above = (int) Math.ceil(position);
        return sorted.get(below) + (sorted.get(above) - sorted.get(below)) * (position - below);
    }

    /** 64 producer threads that put while their number is below {@code active}, and wait otherwise. */
    private static final class Producers {
        private final AtomicInteger active = new AtomicInteger();
        private final AtomicInteger inFlight = new AtomicInteger();
        private final LongAdder puts = new LongAdder();
        private final List<Thread> threads = new ArrayList<>();
        private volatile boolean stopped;

        Producers(Storage storage, int size, boolean virtual) {
            byte[] envelope = new byte[size];
            ThreadLocalRandom.current().nextBytes(envelope);
            for (int i = 0; i < PRODUCERS; i++) {
                int number = i;
                threads.add((virtual ? Thread.ofVirtual() : Thread.ofPlatform().daemon(true)).start(() -> {
                    while (!stopped) {
                        if (number >= active.get()) {
                            sleepMillis(1);
                            continue;
                        }
                        inFlight.incrementAndGet();
                        try {
                            Instant now = Instant.now();
                            storage.outbox().put(new OutboxMessage(StorageEnqueueBenchmark.TENANT,
                                    MessageIds.timeOrdered(now).toString(), StorageEnqueueBenchmark.RECIPIENTS,
                                    envelope, now));
                            puts.increment();
                        } finally {
                            inFlight.decrementAndGet();
                        }
                    }
                }));
            }
        }

        long puts() {
            return puts.sum();
        }

        /** Puts with {@code count} producers for {@code nanos}; returns puts per second, once none is in flight. */
        double run(int count, long nanos) {
            long before = puts.sum();
            long started = System.nanoTime();
            active.set(count);
            sleepMillis(nanos / 1_000_000);
            active.set(0);
            double rate = (puts.sum() - before) * 1e9 / (System.nanoTime() - started);
            while (inFlight.get() > 0) {
                Thread.onSpinWait();
            }
            return rate;
        }

        void stop() throws InterruptedException {
            stopped = true;
            for (Thread thread : threads) {
                thread.join();
            }
        }
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
