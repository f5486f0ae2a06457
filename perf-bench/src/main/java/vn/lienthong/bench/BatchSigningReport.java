package vn.lienthong.bench;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link BatchSigningBenchmark} and prints, per key type, each way's operations per second,
 * its ratio to the raw single-thread HSM signature of the same run, and the mean time a caller
 * waits per operation (callers / throughput).
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

    private BatchSigningReport() {
    }

    public static void main(String[] args) throws RunnerException {
        OptionsBuilder options = new OptionsBuilder();
        options.include(BatchSigningBenchmark.class.getName() + "\\.");
        if (args.length > 0) {
            options.param("algorithm", args);
        }
        Collection<RunResult> results = new Runner(options.build()).run();
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
    }
}
