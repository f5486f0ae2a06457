package vn.lienthong.bench;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link HsmSigningBenchmark} and prints each way's median time per signature with its ratio
 * to the raw SunPKCS11 baseline measured in the same run.
 */
public final class HsmSigningReport {
    /** The baseline first, then the adapter's ways in the order they add work. */
    private static final List<String> WAYS = List.of("rawSunPkcs11", "signatures", "cmsDetached");

    private HsmSigningReport() {
    }

    public static void main(String[] args) throws RunnerException {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(HsmSigningBenchmark.class.getName() + "\\.")
                .build()).run();
        Map<String, double[]> medians = new HashMap<>();
        for (RunResult result : results) {
            String name = result.getParams().getBenchmark();
            var statistics = result.getPrimaryResult().getStatistics();
            medians.put(name.substring(name.lastIndexOf('.') + 1), new double[] {
                    statistics.getPercentile(50), statistics.getPercentile(90), statistics.getN()});
        }
        double baseline = medians.get(WAYS.getFirst())[0];
        System.out.printf("%nRSA-2048 signing in SoftHSM2, one thread (times in microseconds per signature)%n");
        System.out.printf("%-14s %10s %10s %9s %8s%n", "way", "median", "p90", "samples", "ratio");
        for (String way : WAYS) {
            double[] m = medians.get(way);
            System.out.printf("%-14s %10.1f %10.1f %9d %8.2f%n", way, m[0], m[1], (long) m[2], m[0] / baseline);
        }
    }
}
