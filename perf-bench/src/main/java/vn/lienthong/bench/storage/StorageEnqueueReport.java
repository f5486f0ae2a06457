package vn.lienthong.bench.storage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link StorageEnqueueBenchmark} and {@link RawLmdbPutBenchmark} (1 and 100 puts per
 * transaction, and the store's median batch size with 64 producers) and prints medians, the store's
 * commit profile and the two ratios the issue sets targets for.
 *
 * <p>On a shared machine the disk's speed drifts by several times within a minute, so the figures
 * are taken in rounds: each round measures every way briefly, the ways compared by a ratio next to
 * each other, and each figure is the median of its iterations over all rounds. A ratio is the median
 * of the rounds' ratios: pairs measured seconds apart share the disk's mood of the moment.
 *
 * <p>The store's producers are virtual threads by default, as the appliance's request handlers are
 * (Helidon's and the axis listener's), or platform threads (JMH's own default).
 */
public final class StorageEnqueueReport {

    private static final List<Integer> SIZES = List.of(1024, 4096);
    private static final List<Integer> PRODUCERS = List.of(1, 16, 64);
    private static final String[] JVM_FLAGS = {"--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow"};
    private static final double STORE_TO_RAW_TARGET = 0.8;
    private static final double SCALING_TARGET = 20;

    private final int rounds;
    private final int iterations;
    private final boolean virtualProducers;
    private final String directory = BenchDirectory.root().toString();
    /** Iteration scores (operations per second) by way, e.g. {@code store/64/1024} or {@code raw/63/1024}. */
    private final Map<String, List<Double>> scores = new HashMap<>();
    /** Per round and way, the median of that round's iterations, for the ratios' spread. */
    private final List<Map<String, Double>> roundMedians = new ArrayList<>();
    private final Map<String, CommitProfile> profiles = new HashMap<>();
    private final Map<Integer, Integer> medianBatch = new HashMap<>();

    private StorageEnqueueReport(int rounds, int iterations, boolean virtualProducers) {
        this.rounds = rounds;
        this.iterations = iterations;
        this.virtualProducers = virtualProducers;
    }

    /**
     * Arguments: rounds (default 5), measured one-second iterations per way and round (default 2)
     * and the producers' threads, {@code virtual} (default) or {@code platform}.
     */
    public static void main(String[] args) throws RunnerException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        new StorageEnqueueReport(rounds, iterations, args.length <= 2 || ProducerThreads.virtual(args[2])).run();
    }

    private void run() throws RunnerException {
        System.out.printf("LMDB files in %s; %d rounds of %d x 1 s per way; the store's producers on %s threads;"
                + " each store trial begins with %,d messages stored%n", directory, rounds, iterations,
                virtualProducers ? "virtual" : "platform", StorageEnqueueBenchmark.FILLED);
        for (int round = 1; round <= rounds; round++) {
            roundMedians.add(new HashMap<>());
            for (int size : SIZES) {
                // The pairs behind each ratio run back to back: store 1 and 64, then raw at the median batch.
                store(1, size);
                store(64, size);
                int median = medianBatch.computeIfAbsent(size, s -> Math.max(1, profiles.get("64/" + s).percentile(50)));
                raw(median, size, "value");
                raw(median, size, "append");
                raw(median, size, "outbox");
                raw(1, size, "value");
                store(16, size);
                if (median != 100) {
                    raw(100, size, "value");
                }
            }
        }
        print();
    }

    private void store(int producers, int size) throws RunnerException {
        RunResult result = run(StorageEnqueueBenchmark.class.getName() + "\\.producers" + producers + "$",
                Map.of("messageBytes", Integer.toString(size)));
        record("store/" + producers + "/" + size, result);
        String benchmark = StorageEnqueueBenchmark.class.getName() + ".producers" + producers;
        profiles.merge(producers + "/" + size, CommitProfile.read(StorageEnqueueBenchmark.commitsFile(benchmark, size)),
                CommitProfile::plus);
    }

    private void raw(int batch, int size, String layout) throws RunnerException {
        record((layout.equals("value") ? "raw/" : layout + "-raw/") + batch + "/" + size,
                run(RawLmdbPutBenchmark.class.getName() + "\\.commit$", Map.of("messageBytes", Integer.toString(size),
                        "putsPerTransaction", Integer.toString(batch), "layout", layout)));
    }

    private RunResult run(String include, Map<String, String> params) throws RunnerException {
        List<String> jvmArgs = new ArrayList<>(List.of(JVM_FLAGS));
        jvmArgs.add("-D" + BenchDirectory.PROPERTY + "=" + directory);
        jvmArgs.add("-Djmh.executor=" + (virtualProducers ? "VIRTUAL" : "PLATFORM"));
        OptionsBuilder options = new OptionsBuilder();
        options.include(include).jvmArgsAppend(jvmArgs.toArray(String[]::new))
                .warmupIterations(1).warmupTime(TimeValue.seconds(1))
                .measurementIterations(iterations).measurementTime(TimeValue.seconds(1));
        params.forEach(options::param);
        return new Runner(options.build()).runSingle();
    }

    private void record(String way, RunResult result) {
        List<Double> round = new ArrayList<>();
        for (BenchmarkResult benchmark : result.getBenchmarkResults()) {
            for (IterationResult iteration : benchmark.getIterationResults()) {
                round.add(iteration.getPrimaryResult().getScore());
            }
        }
        scores.computeIfAbsent(way, w -> new ArrayList<>()).addAll(round);
        roundMedians.getLast().put(way, median(round));
    }

    /** Operations per second of {@code way}: the median of all its iterations. */
    private double rate(String way) {
        return median(scores.get(way));
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private void print() {
        System.out.printf("%nDurable enqueue through the store (Outbox.put, one recipient) against raw lmdbjava,"
                + " same run: medians of %d rounds x %d iterations of 1 s%n", rounds, iterations);
        System.out.printf("(the raw baseline's middle batch is the median of the first round's 64-producer run)%n");
        System.out.printf("%-8s %-24s %12s %10s %10s %10s %10s%n", "message", "way", "messages/s", "commits/s",
                "batch p50", "batch p90", "commit ms");
        for (int size : SIZES) {
            for (int producers : PRODUCERS) {
                CommitProfile profile = profiles.get(producers + "/" + size);
                double rate = rate("store/" + producers + "/" + size);
                System.out.printf("%-8s %-24s %12.0f %10.0f %10d %10d %10.2f%n", size + " B",
                        "store, " + producers + " producer" + (producers == 1 ? "" : "s"), rate,
                        rate / Math.max(1e-9, profile.meanBatch()), profile.percentile(50), profile.percentile(90),
                        profile.meanCommitMillis());
            }
            for (int batch : List.of(1, medianBatch.get(size), 100).stream().distinct().sorted().toList()) {
                double commits = rate("raw/" + batch + "/" + size);
                System.out.printf("%-8s %-24s %12.0f %10.0f %10d %10d %10.2f%n", size + " B",
                        "raw lmdbjava, " + batch + "/txn", commits * batch, commits, batch, batch, 1000 / commits);
            }
            int median = medianBatch.get(size);
            for (String layout : List.of("append", "outbox")) {
                double commits = rate(layout + "-raw/" + median + "/" + size);
                System.out.printf("%-8s %-24s %12.0f %10.0f %10d %10d %10.2f%n", size + " B",
                        (layout.equals("append") ? "raw, appended keys, " : "raw, outbox's puts, ") + median,
                        commits * median, commits, median, median, 1000 / commits);
            }
        }

        System.out.printf("%nRatios: the median of the rounds' ratios, each of two figures measured back to back"
                + " (in brackets: each round's ratio; after them: the ratio of the medians above)%n");
        boolean met = true;
        for (int size : SIZES) {
            int median = medianBatch.get(size);
            String store64 = "store/64/" + size;
            String store1 = "store/1/" + size;
            String rawMedian = "raw/" + median + "/" + size;
            List<Double> toRaw = perRound(store64, rawMedian, median);
            List<Double> scaling = perRound(store64, store1, 1);
            met &= median(toRaw) >= STORE_TO_RAW_TARGET && median(scaling) >= SCALING_TARGET;
            System.out.printf("%d B: store 64 producers / raw at the median batch of %d = %.2f %s; %.2f (target >= %.1f: %s)%n",
                    size, median, median(toRaw), format(toRaw), rate(store64) / (rate(rawMedian) * median),
                    STORE_TO_RAW_TARGET, median(toRaw) >= STORE_TO_RAW_TARGET ? "met" : "NOT met");
            System.out.printf("%d B: store 64 producers / store 1 producer = %.1f %s; %.1f (target >= %.0f: %s)%n",
                    size, median(scaling), format(scaling), rate(store64) / rate(store1), SCALING_TARGET,
                    median(scaling) >= SCALING_TARGET ? "met" : "NOT met");
            List<Double> toAppend = perRound(store64, "append-raw/" + median + "/" + size, median);
            System.out.printf("%d B: store 64 producers / raw at the median batch with appended keys (the cheapest"
                    + " put: full pages, none random) = %.2f %s%n", size, median(toAppend), format(toAppend));
            System.out.printf("%d B: store 1 producer / raw at 1 per txn = %.2f; store 64 producers / raw at 100"
                    + " per txn = %.2f%n", size, median(perRound(store1, "raw/1/" + size, 1)),
                    median(perRound(store64, "raw/100/" + size, 100)));
            String outboxRaw = "outbox-raw/" + median + "/" + size;
            List<Double> writer = perRound(store64, outboxRaw, median);
            List<Double> layout = perRound(outboxRaw, rawMedian, 1);
            System.out.printf("%d B: where the difference is: store 64 producers / raw lmdbjava making the outbox's"
                    + " puts at %d per txn = %.2f %s (the writer); those puts / one put per message = %.2f %s"
                    + " (the records)%n", size, median, median(writer), format(writer), median(layout), format(layout));
        }
        System.out.printf("%nall targets %s%n", met ? "met" : "NOT met");
    }

    private List<Double> perRound(String numerator, String denominator, int denominatorFactor) {
        return roundMedians.stream().map(round -> round.get(numerator) / (round.get(denominator) * denominatorFactor))
                .toList();
    }

    private static String format(List<Double> ratios) {
        return ratios.stream().map(r -> String.format("%.2f", r)).collect(java.util.stream.Collectors.joining(", ", "[", "]"));
    }
}
