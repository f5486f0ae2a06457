package vn.lienthong.bench.baseline;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Duration;
import org.HdrHistogram.Histogram;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;

/**
 * The raw HSM signing rate: one thread, one SunPKCS11 {@link Signature} initialised once on a key
 * generated in the token for it, signing an envelope-header-sized message as fast as it can. This is
 * the cheapest way to use the HSM; the appliance's figures are divided by it.
 */
final class HsmSignBaseline {

    /** About the size of an envelope header, the bytes the appliance signs per document. */
    private static final byte[] HEADER = ("{\"id\":\"0c8f4e2a-7d1b-4c57-9a1e-3f0b6d2c9e41\",\"from\":\"000.00.00.G22\","
            + "\"to\":[\"000.00.00.H41\"],\"created\":\"2026-11-26T10:15:30Z\",\"type\":\"application/edxml+xml\","
            + "\"sha256\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"}")
            .getBytes(StandardCharsets.UTF_8);

    private HsmSignBaseline() {
    }

    static BaselineFigures.HsmSign measure(Token token, KeyAlgorithm algorithm, Duration duration)
            throws GeneralSecurityException {
        TokenKey key = token.generateKey("bench-sign-" + algorithm.cliName(), algorithm);
        Signature raw = Signature.getInstance(algorithm == KeyAlgorithm.EC_P256 ? "SHA256withECDSA" : "SHA256withRSA",
                token.provider());
        raw.initSign(key.privateKey());
        // A short warm-up: the first calls load classes and open the token's sessions.
        long warmEnd = System.nanoTime() + Math.min(duration.toNanos() / 5, 500_000_000L);
        while (System.nanoTime() < warmEnd) {
            raw.update(HEADER);
            raw.sign();
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Histogram latency = new Histogram(3);
        long cpuStart = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long count = 0;
        long now = start;
        while (now < end) {
            raw.update(HEADER);
            raw.sign();
            long after = System.nanoTime();
            latency.recordValue((after - now) / 1000);
            now = after;
            count++;
        }
        double seconds = (now - start) / 1e9;
        double cpuMicros = (threads.getCurrentThreadCpuTime() - cpuStart) / 1000.0;
        return new BaselineFigures.HsmSign(label(algorithm), 1, count, count / seconds,
                latency.getValueAtPercentile(50), latency.getValueAtPercentile(99), cpuMicros / Math.max(count, 1));
    }

    static String label(KeyAlgorithm algorithm) {
        return algorithm == KeyAlgorithm.EC_P256 ? "EC P-256" : "RSA-2048";
    }
}
