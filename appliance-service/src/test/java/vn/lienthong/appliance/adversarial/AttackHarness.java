package vn.lienthong.appliance.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Measures an attacked appliance for the adversarial tests, reading only its operations port ({@code /metrics},
 * {@code /health/ready}), so the appliance may run in the test's JVM or as a child process with its own heap.
 *
 * <p>Use: make one with the attacked appliance's operations address, its heap maximum and a {@link Delivery}
 * (one legitimate document sent and seen delivered), then call {@link #measure} with the attack. It measures, in
 * order: the legitimate rate without the attack; the attack alone (the store's growth, which is then only the
 * refusals'); the legitimate rate with the attack going on. Heap and readiness are sampled every 200 ms from
 * the attack's start to its end. {@link Report#assertHeld()} asserts what issue 14 asks of every attack.
 */
public final class AttackHarness {

    /** The least ratio of the legitimate rate under attack to the rate without it. */
    public static final double MIN_RATIO = 0.5;
    /** The most the store may grow from the attack's refusals. */
    public static final long MAX_STORE_GROWTH_BYTES = 1024 * 1024;

    private static final Pattern HEAP_USED = Pattern.compile("(?m)^jvm_memory_used_bytes\\{area=\"heap\"} (\\S+)$");
    private static final Duration SAMPLE_EVERY = Duration.ofMillis(200);

    /** One legitimate document sent and seen delivered; throws if it was not. */
    @FunctionalInterface
    public interface Delivery {
        void deliverOne() throws Exception;
    }

    /** Starts an attack that runs (on threads of its own) until the returned handle is closed. */
    @FunctionalInterface
    public interface Attack {
        AutoCloseable start() throws Exception;
    }

    /** What one attack did to the appliance. */
    public record Report(String attack, double baselinePerSecond, double underAttackPerSecond,
            long storeGrowthBytes, long maxHeapUsedBytes, long heapMaxBytes, int readyChecks, int notReady) {

        /** The legitimate rate under attack as a fraction of the rate without it. */
        public double ratio() {
            return baselinePerSecond == 0 ? 0 : underAttackPerSecond / baselinePerSecond;
        }

        /** Asserts the four conditions of issue 14: rate ratio, store growth, heap, readiness. */
        public void assertHeld() {
            assertTrue(baselinePerSecond > 0, attack + ": no legitimate document was delivered without the attack");
            assertTrue(ratio() >= MIN_RATIO, attack + ": legitimate documents slowed to " + this);
            assertTrue(storeGrowthBytes < MAX_STORE_GROWTH_BYTES, attack + ": the store grew too much: " + this);
            assertTrue(maxHeapUsedBytes > 0 && maxHeapUsedBytes < heapMaxBytes, attack + ": heap: " + this);
            assertTrue(readyChecks > 0, attack + ": readiness was never checked");
            assertEquals(0, notReady, attack + ": /health/ready was not 200: " + this);
        }

        @Override
        public String toString() {
            return String.format("%s: legitimate %.1f/s without, %.1f/s during (ratio %.2f); store +%d bytes;"
                    + " heap at most %d MiB of %d MiB; ready %d/%d", attack, baselinePerSecond,
                    underAttackPerSecond, ratio(), storeGrowthBytes, maxHeapUsedBytes >> 20, heapMaxBytes >> 20,
                    readyChecks - notReady, readyChecks);
        }
    }

    private final URI ops;
    private final long heapMaxBytes;
    private final Delivery delivery;
    private final int senders;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * @param ops          the attacked appliance's operations address ({@code http://host:port})
     * @param heapMaxBytes the attacked appliance's configured heap maximum ({@code -Xmx})
     * @param delivery     one legitimate document, sent and seen delivered
     * @param senders      how many legitimate senders run at once
     */
    public AttackHarness(URI ops, long heapMaxBytes, Delivery delivery, int senders) {
        this.ops = ops;
        this.heapMaxBytes = heapMaxBytes;
        this.delivery = delivery;
        this.senders = senders;
    }

    /**
     * Runs the three phases (see the class comment): {@code window} without the attack, {@code alone} with the
     * attack only, {@code window} with both; prints and returns the report.
     */
    public Report measure(String name, Attack attack, Duration window, Duration alone) throws Exception {
        double baseline = legitimateRate(window);
        AtomicBoolean sampling = new AtomicBoolean(true);
        AtomicLong maxHeap = new AtomicLong();
        AtomicInteger checks = new AtomicInteger();
        AtomicInteger notReady = new AtomicInteger();
        Thread sampler = Thread.ofPlatform().daemon().name("attack-sampler").start(() -> {
            while (sampling.get()) {
                checks.incrementAndGet();
                try {
                    if (!ready()) {
                        notReady.incrementAndGet();
                    }
                    maxHeap.accumulateAndGet(heapUsedBytes(), Math::max);
                } catch (IOException e) {
                    notReady.incrementAndGet();
                } catch (InterruptedException e) {
                    return;
                }
                sleep(SAMPLE_EVERY);
            }
        });
        double underAttack;
        long growth;
        AutoCloseable running = attack.start();
        try {
            long before = storeUsedBytes();
            Thread.sleep(alone.toMillis());
            growth = storeUsedBytes() - before;
            underAttack = legitimateRate(window);
        } finally {
            running.close();
            sampling.set(false);
            sampler.join(5_000);
        }
        Report report = new Report(name, baseline, underAttack, growth, maxHeap.get(), heapMaxBytes, checks.get(),
                notReady.get());
        System.out.println("AttackHarness " + report);
        return report;
    }

    /** Legitimate documents delivered per second over {@code window}, by {@code senders} senders at once. */
    public double legitimateRate(Duration window) throws InterruptedException {
        long deadline = System.nanoTime() + window.toNanos();
        AtomicInteger delivered = new AtomicInteger();
        List<Throwable> failures = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < senders; i++) {
            // Platform threads, as the document systems are other machines' programs.
            threads.add(Thread.ofPlatform().daemon().name("legitimate-sender-" + i).start(() -> {
                while (System.nanoTime() < deadline) {
                    try {
                        delivery.deliverOne();
                        if (System.nanoTime() <= deadline) {
                            delivered.incrementAndGet();
                        }
                    } catch (Exception | AssertionError e) {
                        synchronized (failures) {
                            failures.add(e);
                        }
                    }
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (!failures.isEmpty()) {
            System.out.println("AttackHarness: " + failures.size() + " legitimate deliveries failed, the first: "
                    + failures.getFirst());
        }
        return delivered.get() / ((System.nanoTime() - start) / 1e9);
    }

    /** The store's pages in use ({@code lienthong_storage_map_used_bytes}). */
    public long storeUsedBytes() throws IOException, InterruptedException {
        return (long) metric("lienthong_storage_map_used_bytes");
    }

    /** The heap in use ({@code jvm_memory_used_bytes{area="heap"}}). */
    public long heapUsedBytes() throws IOException, InterruptedException {
        Matcher m = HEAP_USED.matcher(metrics());
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    /** Whether {@code /health/ready} answers 200 now. */
    public boolean ready() throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(ops.resolve("/health/ready")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    }

    /** The sum of a metric's samples whose labels contain {@code labelPart} ("" for all). */
    public double metric(String name, String labelPart) throws IOException, InterruptedException {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*})? (\\S+)$").matcher(metrics());
        double sum = 0;
        while (m.find()) {
            if (m.group(1) == null ? labelPart.isEmpty() : m.group(1).contains(labelPart)) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }

    private double metric(String name) throws IOException, InterruptedException {
        return metric(name, "");
    }

    private String metrics() throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(ops.resolve("/metrics")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
