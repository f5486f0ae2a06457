package vn.lienthong.bench.baseline;

import java.util.List;

/**
 * The baselines of one bench run, measured on this machine in the same run as the load: the
 * appliance's figures are reported as ratios to these.
 *
 * @param hsm the raw signing rate of the key algorithm the load uses (one thread)
 * @param hsmAll the raw signing rate of every key algorithm (the TLS keys may differ from the signing keys)
 * @param lmdb raw durable LMDB commits, 1 and 100 puts per transaction
 * @param tls the axis listener on each TLS engine and certificate
 * @param secondsEach how long each figure was measured
 */
public record BaselineFigures(HsmSign hsm, List<HsmSign> hsmAll, List<LmdbCommits> lmdb, List<Tls> tls,
                              double secondsEach) {

    /** Raw signatures: how many per second one thread makes, their latency and CPU cost. */
    public record HsmSign(String algorithm, int threads, long signatures, double perSecond, double p50Micros,
                          double p99Micros, double cpuMicrosPerSignature) {
    }

    /** Raw durable LMDB write transactions of {@code putsPerTransaction} values of {@code valueBytes} each. */
    public record LmdbCommits(int putsPerTransaction, int valueBytes, long commits, double commitsPerSecond,
                              double putsPerSecond, double p50Micros, double p99Micros) {
    }

    /**
     * The axis listener on one TLS engine with one kind of certificate: full handshakes per second
     * (no resumption) and requests per second over kept-alive HTTP/1.1 connections.
     */
    public record Tls(String engine, String certificate, int clientThreads, double handshakesPerSecond,
                      double keepAliveRequestsPerSecond) {
    }

    /** The raw signing rate of one algorithm, or the chosen one if it was not measured. */
    public HsmSign hsmFor(String algorithm) {
        return hsmAll.stream().filter(h -> h.algorithm().equals(algorithm)).findFirst().orElse(hsm);
    }
}
