package vn.lienthong.bench.fairness;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import vn.lienthong.bench.e2e.Durations;
import vn.lienthong.storage.Storage;
import vn.lienthong.storage.queue.DeliveryLease;
import vn.lienthong.storage.queue.Outbox;
import vn.lienthong.storage.queue.OutboxMessage;

/**
 * {@code lienthong bench fairness}: tenant A's backlog (100,000 documents by default) in a real outbox
 * (LMDB on disk), forwarder workers taking leases as the appliance's forwarder does, with a stand-in
 * for the network delivery; while A's backlog drains, single documents of tenant B arrive one at a time,
 * and the bench counts the deliveries made between each one's arrival and its own delivery.
 */
@Command(name = "fairness", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure how long one tenant's backlog delays another tenant's single document in the outbox:",
                "a real LMDB outbox, the forwarder's lease order (Outbox.leaseNextDue) with --workers workers and a",
                "stand-in delivery of --delivery-time each. Writes fairness.json under var/bench/fairness-<timestamp>/."})
public final class FairnessCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Duration LEASE = Duration.ofMinutes(5);

    @Spec
    CommandSpec spec;

    @Option(names = "--backlog", paramLabel = "N", defaultValue = "100000",
            description = "Tenant A's documents, queued before the forwarder starts. Default ${DEFAULT-VALUE}.")
    int backlog;

    @Option(names = "--probes", paramLabel = "N", defaultValue = "20",
            description = "Single documents of tenant B, sent one after another while A's backlog drains. Default ${DEFAULT-VALUE}.")
    int probes;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "4",
            description = "Forwarder workers, as the appliance's forwarder.workers (whose default is 16; the figures in"
                    + " perf-bench/README.md were measured with 4). Default ${DEFAULT-VALUE}.")
    int workers;

    @Option(names = "--delivery-time", paramLabel = "TIME", defaultValue = "5ms", converter = Durations.class,
            description = "What the stand-in delivery takes (a real one: TLS request, the peer's verify and receipt). Default ${DEFAULT-VALUE}.")
    Duration deliveryTime;

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "4096",
            description = "Envelope size in bytes. Default ${DEFAULT-VALUE}.")
    int size;

    @Option(names = "--producers", paramLabel = "N", defaultValue = "64",
            description = "Threads that queue the backlog (the store groups their commits). Default ${DEFAULT-VALUE}.")
    int producers;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where the LMDB store and fairness.json go (default var/bench/fairness-<timestamp>).")
    Path directory;

    /** One probe: B's document, the deliveries made between its arrival and its delivery, and its delay. */
    public record Probe(int probe, long deliveriesBefore, double delayMillis, double meanDeliveryIntervalMillis,
                        double delayInDeliveries, double meanDeliveryMillis, double delayInDeliveryDurations,
                        long backlogLeft) {
    }

    /** fairness.json. */
    public record Report(String startedAt, double loadAverageAtStart, double loadAverageAtEnd, int backlog, int workers,
                         double deliveryTimeMillis, int size, double enqueueSeconds, double enqueuedPerSecond,
                         List<Probe> probes, double medianDeliveriesBefore, long maxDeliveriesBefore,
                         double medianDelayInDeliveries, double maxDelayInDeliveries,
                         double medianDelayInDeliveryDurations, double maxDelayInDeliveryDurations,
                         double leaseMicrosMean, String directory) {
    }

    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong leaseNanos = new AtomicLong();
    private final AtomicLong leases = new AtomicLong();
    private final AtomicLong deliveryNanos = new AtomicLong();
    private final Map<String, CountDownLatch> awaited = new ConcurrentHashMap<>();
    private final Map<String, Long> deliveredAt = new ConcurrentHashMap<>();
    private final Map<String, Long> deliveredCountAt = new ConcurrentHashMap<>();
    private volatile boolean running = true;

    @Override
    public Integer call() throws Exception {
        if (backlog < 1 || probes < 1 || workers < 1 || producers < 1 || size < 16) {
            throw new ParameterException(spec.commandLine(), "--backlog, --probes, --workers and --producers must be"
                    + " at least 1 and --size at least 16");
        }
        String startedAt = Instant.now().toString();
        double loadAtStart = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        Path dir = (directory != null ? directory : defaultDirectory()).toAbsolutePath().normalize();
        Files.createDirectories(dir);
        say("working in " + dir + " (load average " + loadAtStart + ")");
        long mapSize = Math.max(256L << 20, (long) (backlog + probes) * (size + 512) * 3);
        try (Storage storage = Storage.open(dir.resolve("store"), mapSize)) {
            Outbox outbox = storage.outbox();
            long start = System.nanoTime();
            enqueueBacklog(outbox);
            double enqueueSeconds = (System.nanoTime() - start) / 1e9;
            say(String.format("queued %d documents of tenant A in %.1f s (%.0f/s, %d producers)", backlog,
                    enqueueSeconds, backlog / enqueueSeconds, producers));

            List<Thread> forwarders = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                forwarders.add(Thread.ofPlatform().name("forwarder-" + i).start(() -> forward(outbox)));
            }
            List<Probe> results = new ArrayList<>();
            try {
                // Let the forwarder reach its steady pace on A's backlog before B's first document.
                Thread.sleep(Math.max(1000, deliveryTime.toMillis() * 50));
                for (int p = 1; p <= probes; p++) {
                    results.add(probe(outbox, p));
                    Thread.sleep(Math.max(50, deliveryTime.toMillis() * 10));
                }
            } finally {
                running = false;
                for (Thread t : forwarders) {
                    t.join();
                }
            }
            long[] before = results.stream().mapToLong(Probe::deliveriesBefore).sorted().toArray();
            double[] inDeliveries = results.stream().mapToDouble(Probe::delayInDeliveries).sorted().toArray();
            double[] inDurations = results.stream().mapToDouble(Probe::delayInDeliveryDurations).sorted().toArray();
            Report report = new Report(startedAt, loadAtStart,
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), backlog, workers,
                    deliveryTime.toNanos() / 1e6, size, enqueueSeconds, backlog / enqueueSeconds, results,
                    median(Arrays.stream(before).asDoubleStream().toArray()), before[before.length - 1],
                    median(inDeliveries), inDeliveries[inDeliveries.length - 1],
                    median(inDurations), inDurations[inDurations.length - 1],
                    leases.get() == 0 ? 0 : leaseNanos.get() / 1e3 / leases.get(), dir.toString());
            JSON.writeValue(dir.resolve("fairness.json").toFile(), report);
            System.out.println();
            System.out.printf("fairness: tenant A's backlog %d documents, %d workers, stand-in delivery %.1f ms, %d"
                            + " probes of tenant B%n", backlog, workers, report.deliveryTimeMillis(), probes);
            System.out.printf("fairness: deliveries made between B's arrival and B's delivery: median %.1f, max %d"
                            + " (first-come order: about %d, A's backlog left)%n", report.medianDeliveriesBefore(),
                    report.maxDeliveriesBefore(), results.getFirst().backlogLeft());
            System.out.printf("fairness: B's delay in deliveries' time: median %.1f, max %.1f times one delivery's"
                            + " duration (lease to receipt recorded); median %.1f, max %.1f times the interval between"
                            + " deliveries (%d workers); lease (Outbox.leaseNextDue) mean %.0f us%n",
                    report.medianDelayInDeliveryDurations(), report.maxDelayInDeliveryDurations(),
                    report.medianDelayInDeliveries(), report.maxDelayInDeliveries(), workers, report.leaseMicrosMean());
            System.out.println("bench: report written: " + dir.resolve("fairness.json"));
            return 0;
        }
    }

    private void enqueueBacklog(Outbox outbox) throws Exception {
        byte[] envelope = new byte[size];
        Arrays.fill(envelope, (byte) 'a');
        Instant at = Instant.now();
        AtomicInteger next = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(producers)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                futures.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < backlog; i = next.getAndIncrement()) {
                        // Due in the order queued, as accepted documents are.
                        outbox.put(new OutboxMessage("000.00.00.A01", "a-" + i, List.of("000.00.00.G22"), envelope,
                                at.plusNanos(i * 1000L)));
                        if (i % 10_000 == 0) {
                            progress("queued " + i + " of " + backlog);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        }
    }

    /** B's single document: queued now, due now; waits for its delivery. */
    private Probe probe(Outbox outbox, int number) throws InterruptedException {
        String id = "b-" + number + "-" + UUID.randomUUID();
        CountDownLatch done = new CountDownLatch(1);
        awaited.put(id, done);
        long backlogLeft = backlog - delivered.get();
        long countAtArrival = delivered.get();
        long arrival = System.nanoTime();
        outbox.put(new OutboxMessage("000.00.00.B01", id, List.of("000.00.00.G22"),
                ("B's document " + id).getBytes(StandardCharsets.UTF_8), Instant.now()));
        if (!done.await(5, java.util.concurrent.TimeUnit.MINUTES)) {
            throw new IllegalStateException("B's document " + id + " was not delivered within 5 minutes");
        }
        long delay = deliveredAt.get(id) - arrival;
        // Deliveries completed between B's arrival and B's own, B's not counted.
        long before = deliveredCountAt.get(id) - countAtArrival - 1;
        // The forwarder's pace just before: the mean interval between deliveries over the last second.
        long count0 = delivered.get();
        long nanos0 = deliveryNanos.get();
        double interval = paceMillis();
        long counted = delivered.get() - count0;
        double duration = counted == 0 ? 0 : (deliveryNanos.get() - nanos0) / 1e6 / counted;
        Probe probe = new Probe(number, Math.max(0, before), delay / 1e6, interval,
                interval <= 0 ? 0 : delay / 1e6 / interval, duration, duration <= 0 ? 0 : delay / 1e6 / duration,
                backlogLeft);
        say(String.format("probe %d: %d deliveries before B's, delay %.1f ms = %.1f deliveries' duration (%.1f ms"
                        + " each) (A's backlog left: %d)", number, probe.deliveriesBefore(), probe.delayMillis(),
                probe.delayInDeliveryDurations(), duration, backlogLeft));
        return probe;
    }

    /** Mean milliseconds between deliveries over the next half second. */
    private double paceMillis() throws InterruptedException {
        long count0 = delivered.get();
        long t0 = System.nanoTime();
        Thread.sleep(500);
        long count1 = delivered.get();
        long t1 = System.nanoTime();
        return count1 == count0 ? 0 : (t1 - t0) / 1e6 / (count1 - count0);
    }

    /** One forwarder worker: lease the next due delivery (tenants in turn), deliver it (stand-in), record it. */
    private void forward(Outbox outbox) {
        byte[] receipt = "receipt".getBytes(StandardCharsets.UTF_8);
        while (running) {
            long t = System.nanoTime();
            Optional<DeliveryLease> lease = outbox.leaseNextDue(Instant.now(), LEASE);
            leaseNanos.addAndGet(System.nanoTime() - t);
            leases.incrementAndGet();
            if (lease.isEmpty()) {
                sleep(Duration.ofMillis(1));
                continue;
            }
            sleep(deliveryTime);
            outbox.delivered(lease.get(), receipt, Instant.now());
            deliveryNanos.addAndGet(System.nanoTime() - t);
            long count = delivered.incrementAndGet();
            CountDownLatch latch = awaited.remove(lease.get().messageId());
            if (latch != null) {
                deliveredAt.put(lease.get().messageId(), System.nanoTime());
                deliveredCountAt.put(lease.get().messageId(), count);
                latch.countDown();
            }
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static double median(double[] sorted) {
        Arrays.sort(sorted);
        int n = sorted.length;
        return n == 0 ? 0 : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static Path defaultDirectory() {
        String home = System.getenv("LIENTHONG_HOME");
        return (home != null ? Path.of(home) : Path.of("")).resolve("var/bench")
                .resolve("fairness-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

    private final long began = System.nanoTime();
    private long lastProgress;

    private synchronized void progress(String line) {
        if (System.nanoTime() - lastProgress > 2_000_000_000L) {
            lastProgress = System.nanoTime();
            System.err.println("bench: " + line);
        }
    }

    private void say(String line) {
        System.out.printf("bench: [%5.1f s] %s%n", (System.nanoTime() - began) / 1e9, line);
    }
}
