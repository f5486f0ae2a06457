package vn.lienthong.bench.report;

import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import vn.lienthong.bench.baseline.BaselineFigures;

/**
 * Everything one {@code lienthong bench e2e} run measured, as written to {@code report.json}: how it
 * ran, the baselines of the same run, one result per load point (one without a sweep), and where the
 * issue's targets stand. Latencies are in milliseconds, rates per second.
 */
public record BenchReport(Run run, BaselineFigures baselines, List<Point> results, Map<String, Double> tlsRatios,
                          String tlsDefault, DoneWhen doneWhen) {

    /** How the run was made, and on what. */
    public record Run(String startedAt, String command, String mode, int cores, double loadAverageAtStart,
                      double loadAverageAtEnd, String java, int documentBytes, int tenants, String keys,
                      double warmupSeconds, double durationSeconds, boolean appliancesStartedByBench,
                      String directory) {
    }

    /** Latency percentiles of one kind, in milliseconds. */
    public record Latency(long count, double p50, double p90, double p99, double p999, double max, double mean) {

        /** Reads a histogram recorded in microseconds. */
        public static Latency ofMicros(Histogram h) {
            if (h.getTotalCount() == 0) {
                return new Latency(0, 0, 0, 0, 0, 0, 0);
            }
            return new Latency(h.getTotalCount(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)),
                    ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()),
                    h.getMean() / 1000.0);
        }

        private static double ms(long micros) {
            return micros / 1000.0;
        }
    }

    /** One second of the measurement: documents accepted and delivered, accept latency, heap. */
    public record Second(int second, long accepted, double delivered, double acceptP50, double acceptP99,
                         double acceptMax, double senderHeapMiB, double receiverHeapMiB) {
    }

    /** A point of the percentile curve: the latency at that percentile (milliseconds). */
    public record Percentile(double percentile, double accept, double delivery) {
    }

    /**
     * One load point.
     *
     * @param warmupSeconds how long the load ran before the window (--warmup, longer while the JIT was busy)
     * @param errors non-202 answers and failed requests, by kind
     * @param cpu CPU milliseconds per document of each process (from process_cpu_seconds_total)
     * @param heapMiB heap in use, idle before the load and the most seen during it
     * @param appliance what the appliances' own metrics say happened per document (HSM, store)
     * @param ratios every figure divided by its baseline of the same run
     */
    public record Point(int clients, Double targetRatePerSecond, double warmupSeconds, double seconds, long accepted, double delivered,
                        double acceptedPerSecond, double deliveredPerSecond, Map<String, Long> errors,
                        Latency accept, Latency delivery, long deliverySampled, long notDeliveredInSample,
                        Map<String, Double> cpu, Map<String, Double> heapMiB, Map<String, Double> appliance,
                        Map<String, Double> ratios, List<Second> timeline, List<Percentile> percentiles) {
    }

    /** The targets, for the point with 64 clients (or the last point when there is none). */
    public record DoneWhen(int clients, double acceptedOverRawHsm, boolean acceptedAtLeast10x, double acceptP99,
                           boolean acceptP99Under50ms, double deliveredOverRawHsm, boolean deliveredAtLeast5x) {
    }
}
