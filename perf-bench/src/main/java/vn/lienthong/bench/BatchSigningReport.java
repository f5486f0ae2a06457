package vn.lienthong.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs {@link BatchSigningBenchmark} and prints, per key type, each way's operations per second,
 * its ratio to the raw single-thread HSM signature of the same run, and the mean time a caller
 * waits per operation (callers / throughput); then, per key type, the lone caller's latency as a
 * ratio to a raw signature, the median of alternating short runs ({@code --pairs N}, default 5; 0
 * skips them; {@code --latency-only} runs only these).
 */
public final class BatchSigningReport {

    /** Each way with its number of concurrent callers; the baseline first. */
    private static final Map<String, Integer> WAYS = new LinkedHashMap<>();

    static {
        WAYS.put("rawSign", 1);
        WAYS.put("batch1", 1);
        WAYS.put("batch16", 16);
        WAYS.put("batch64", 64);
        WAYS.put("verifySingleSigned", 1);
        WAYS.put("verifyBatchSigned", 1);
    }

    /** Alternating short runs of the raw signature and a lone caller, for the latency ratio. */
    private static final int DEFAULT_PAIRS = 5;

    private BatchSigningReport() {
    }

    public static void main(String[] args) throws RunnerException {
        List<String> algorithms = new ArrayList<>(List.of(args));
        int pairs = DEFAULT_PAIRS;
        int flag = algorithms.indexOf("--pairs");
        if (flag >= 0) {
            if (flag + 1 >= algorithms.size() || !algorithms.get(flag + 1).matches("\\d{1,3}")) {
                System.err.println("error: --pairs needs a number of alternating runs, such as --pairs 5.");
                System.exit(2);
            }
            pairs = Integer.parseInt(algorithms.remove(flag + 1));
            algorithms.remove(flag);
        }
        boolean latencyOnly = algorithms.remove("--latency-only");
        if (algorithms.isEmpty()) {
            algorithms.addAll(List.of("rsa2048", "ecp256"));
        }
        OptionsBuilder options = new OptionsBuilder();
        options.include(BatchSigningBenchmark.class.getName() + "\\.");
        options.param("algorithm", algorithms.toArray(String[]::new));
        Collection<RunResult> results = latencyOnly ? List.of() : new Runner(options.build()).run();
        Map<String, Map<String, Double>> perAlgorithm = new LinkedHashMap<>();
        for (RunResult result : results) {
            String name = result.getParams().getBenchmark();
            perAlgorithm.computeIfAbsent(result.getParams().getParam("algorithm"), a -> new LinkedHashMap<>())
                    .put(name.substring(name.lastIndexOf('.') + 1), result.getPrimaryResult().getScore());
        }
        for (var entry : perAlgorithm.entrySet()) {
            Map<String, Double> scores = entry.getValue();
            double baseline = scores.get("rawSign");
            System.out.printf("%n%s in SoftHSM2: operations per second, ratio to the raw one-thread signature%n",
                    entry.getKey());
            System.out.printf("%-20s %8s %12s %8s %16s%n", "way", "callers", "ops/s", "ratio", "mean wait (us)");
            for (var way : WAYS.entrySet()) {
                Double score = scores.get(way.getKey());
                if (score != null) {
                    System.out.printf("%-20s %8d %12.0f %8.2f %16.0f%n", way.getKey(), way.getValue(), score,
                            score / baseline, way.getValue() * 1e6 / score);
                }
            }
        }
        if (pairs > 0) {
            for (String algorithm : algorithms) {
                reportLoneLatency(algorithm, pairs);
            }
        }
    }

    /**
     * A lone caller's latency against a raw signature, robust to a shared machine's changing load:
     * short runs of {@code rawSign} and {@code batch1} in turn (which goes first alternates), the
     * latency ratio of each pair, and their median.
     */
    private static void reportLoneLatency(String algorithm, int pairs) throws RunnerException {
        List<Double> ratios = new ArrayList<>();
        for (int pair = 0; pair < pairs; pair++) {
            boolean rawFirst = pair % 2 == 0;
            double first = shortRun(rawFirst ? "rawSign" : "batch1", algorithm);
            double second = shortRun(rawFirst ? "batch1" : "rawSign", algorithm);
            double raw = rawFirst ? first : second;
            double lone = rawFirst ? second : first;
            // Latency is the inverse of one caller's throughput.
            ratios.add(raw / lone);
            System.out.printf("%s pair %d: raw %.0f us, batch1 %.0f us, ratio %.2f%n", algorithm, pair + 1,
                    1e6 / raw, 1e6 / lone, raw / lone);
        }
        List<Double> sorted = ratios.stream().sorted().toList();
        System.out.printf("%s one caller: latency %.2f times a raw signature (median of %d alternating pairs,"
                + " range %.2f-%.2f)%n", algorithm, sorted.get(sorted.size() / 2), pairs, sorted.getFirst(),
                sorted.getLast());
    }

    private static double shortRun(String way, String algorithm) throws RunnerException {
        var options = new OptionsBuilder()
                .include(BatchSigningBenchmark.class.getName() + "\\." + way + "$")
                .param("algorithm", algorithm)
                .warmupIterations(2).warmupTime(TimeValue.seconds(1))
                .measurementIterations(3).measurementTime(TimeValue.seconds(1))
                .verbosity(VerboseMode.SILENT)
                .build();
        return new Runner(options).runSingle().getPrimaryResult().getScore();
    }
}
