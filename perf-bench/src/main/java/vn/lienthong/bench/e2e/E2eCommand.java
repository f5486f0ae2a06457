package vn.lienthong.bench.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.StringReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import vn.lienthong.appliance.demo.ApplianceSetup;
import vn.lienthong.appliance.demo.DocumentSystemClient;
import vn.lienthong.bench.baseline.BaselineFigures;
import vn.lienthong.bench.baseline.BaselineRunner;
import vn.lienthong.bench.report.BenchReport;
import vn.lienthong.bench.report.HtmlReport;
import vn.lienthong.hsm.cert.Pem;

/**
 * {@code lienthong bench e2e}: loads a real pair of appliances through the sender's local API and
 * reports accepted and delivered documents per second, accept and delivery latency, CPU per document
 * and heap, each beside the baselines measured in the same run (raw HSM signing, raw durable LMDB
 * commits, the axis listener's TLS), in {@code report.json} and {@code report.html}.
 */
@Command(name = "e2e", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Load a sending and a receiving appliance end to end and write report.json and report.html",
                "under var/bench/<timestamp>/. By default both appliances are made afresh (SoftHSM2 tokens, LMDB",
                "stores, mutual TLS, as the demo makes them) on free ports; the --sender-* options aim at running ones."})
public final class E2eCommand implements Callable<Integer> {

    private static final String HANDSHAKES = "lienthong_tls_handshakes_total";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final double[] PERCENTILES = {0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100};

    @Spec
    CommandSpec spec;

    @Option(names = "--clients", paramLabel = "N", defaultValue = "64",
            description = "Concurrent document-system clients (open loop: most requests in flight). Default ${DEFAULT-VALUE}.")
    int clients;

    @Option(names = "--duration", paramLabel = "TIME", defaultValue = "30s", converter = Durations.class,
            description = "How long each load point is measured (e.g. 30s, 2m, 500ms). Default ${DEFAULT-VALUE}.")
    Duration duration;

    @Option(names = "--warmup", paramLabel = "TIME", defaultValue = "30s", converter = Durations.class,
            description = "Load before measuring, not counted (JIT, connections, caches), at least this long."
                    + " Default ${DEFAULT-VALUE}: on two cores the appliances' JIT compilers take a third or more"
                    + " of their CPU for the first half minute under load (report.json: cpu.*JitCoresBusy).")
    Duration warmup;

    @Option(names = "--warmup-max", paramLabel = "TIME", defaultValue = "90s", converter = Durations.class,
            description = "After --warmup, keep warming up while either appliance's JIT still compiles more than"
                    + " 0.2 s per second (jvm_compilation_time_seconds_total), up to this long in all."
                    + " Default ${DEFAULT-VALUE}; equal to --warmup for a fixed warm-up.")
    Duration warmupMax;

    /** Compiler time per second below which an appliance counts as warm. */
    private static final double JIT_SETTLED = 0.2;
    private static final String JIT_SECONDS = "jvm_compilation_time_seconds_total";

    @Option(names = "--size", paramLabel = "BYTES", defaultValue = "4096",
            description = "Size of each edXML document in bytes. Default ${DEFAULT-VALUE} (4 KiB).")
    int size;

    @Option(names = "--tenants", paramLabel = "N", defaultValue = "1",
            description = "Sending tenants (each sends to its own receiving tenant); clients are spread over them. Default ${DEFAULT-VALUE}.")
    int tenants;

    @Option(names = "--keys", paramLabel = "rsa|ec", defaultValue = "rsa",
            description = "Tenant signing keys: rsa (RSA-2048) or ec (EC P-256). Default ${DEFAULT-VALUE}.")
    String keys;

    @Option(names = "--rate", paramLabel = "DOCS_PER_S",
            description = "Open loop: offer this many documents per second whatever the answers (latency counted from when each was due). Without it: closed loop.")
    Double rate;

    @Option(names = "--sweep", paramLabel = "clients=N,N,...",
            description = "Measure one point per client count, e.g. clients=1,4,16,64,256: the throughput-latency curve.")
    String sweep;

    @Option(names = "--baseline-time", paramLabel = "TIME", defaultValue = "3s", converter = Durations.class,
            description = "How long each baseline figure is measured. Default ${DEFAULT-VALUE}.")
    Duration baselineTime;

    @Option(names = "--drain", paramLabel = "TIME", defaultValue = "60s", converter = Durations.class,
            description = "After each point, wait at most this long for the accepted documents to be delivered. Default ${DEFAULT-VALUE}.")
    Duration drain;

    @Option(names = "--delivery-sample", paramLabel = "N", defaultValue = "10000",
            description = "Delivery latency is read from the outbox status of at most N accepted documents (a uniform sample). Default ${DEFAULT-VALUE}.")
    int deliverySample;

    @Option(names = "--forwarder-workers", paramLabel = "N",
            description = "forwarder.workers of the appliances the bench starts (default: the appliance's default).")
    Integer forwarderWorkers;

    @Option(names = "--scale-tenants", paramLabel = "N",
            description = {"Scale mode: in one run, a pair of appliances with 1 tenant each, then a pair with N tenants each"
                    + " (bulk provisioning, all keys in one SoftHSM2 token per appliance), the same load on both (through 1"
                    + " tenant, then spread over --scale-sample tenants); reports provisioning and start-up time, idle heap"
                    + " and RSS, metric samples, and throughput against the single-tenant pair (target >= 0.8)."})
    Integer scaleTenants;

    @Option(names = "--scale-sample", paramLabel = "N", defaultValue = "50",
            description = "Scale mode: the sending tenants the load is spread over on the N-tenant pair. Default ${DEFAULT-VALUE}.")
    int scaleSample;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where to work and write the reports (default var/bench/<timestamp>).")
    Path directory;

    @Option(names = "--sender-api", paramLabel = "URL", description = "Aim at a running sending appliance's local API instead of starting appliances.")
    URI senderApi;

    @Option(names = "--sender-ops", paramLabel = "URL", description = "Its operations port (for delivered counts, CPU and heap), e.g. http://127.0.0.1:9090.")
    URI senderOps;

    @Option(names = "--receiver-ops", paramLabel = "URL", description = "The receiving appliance's operations port, if it can be reached.")
    URI receiverOps;

    @Option(names = "--ca", paramLabel = "PEM", description = "With --sender-api: the root that issued the appliance's TLS certificate.")
    Path caFile;

    @Option(names = "--dms-cert", paramLabel = "PEM", description = "With --sender-api: the tenant's document-system client certificate.")
    Path dmsCert;

    @Option(names = "--dms-key", paramLabel = "PEM", description = "With --sender-api: its private key (PKCS#8 PEM).")
    Path dmsKey;

    @Option(names = "--from", paramLabel = "ORGAN", description = "With --sender-api: the sending tenant's organ id.")
    String from;

    @Option(names = "--to", paramLabel = "ORGAN", description = "With --sender-api: the recipient's organ id (in the sender's routing directory).")
    String to;

    private final HttpClient ops = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private boolean console;

    @Override
    public Integer call() throws Exception {
        List<Integer> points = points();
        if (!keys.equals("rsa") && !keys.equals("ec")) {
            throw new ParameterException(spec.commandLine(), "--keys must be rsa or ec, not " + keys);
        }
        if (size < 1024 || size > 16 * 1024 * 1024) {
            throw new ParameterException(spec.commandLine(), "--size must be from 1024 to 16777216 bytes");
        }
        console = System.console() != null;
        String startedAt = Instant.now().toString();
        double loadAtStart = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        Path dir = (directory != null ? directory : defaultDirectory()).toAbsolutePath().normalize();
        Files.createDirectories(dir);
        say("working in " + dir);

        if (scaleTenants != null) {
            return scale(dir, startedAt, loadAtStart);
        }
        BenchAppliances appliances = new BenchAppliances();
        Runtime.getRuntime().addShutdownHook(new Thread(appliances::close, "bench-stop"));
        try (appliances) {
            Targets targets = senderApi != null ? external() : appliances.start(dir, organs("S"), organs("R"),
                    keys.equals("ec") ? "ecp256" : "rsa2048", forwarderWorkers, this::say);
            say("measuring the baselines (raw HSM signatures, raw LMDB commits, the axis listener's TLS), "
                    + baselineTime.toMillis() / 1000.0 + " s each");
            BaselineFigures baselines = BaselineRunner.run(Files.createDirectories(dir.resolve("baselines")),
                    baselineTime.toMillis() / 1000.0, keys, size, 4);
            say(String.format("baseline: raw HSM %s signatures, one thread: %.0f/s", baselines.hsm().algorithm(),
                    baselines.hsm().perSecond()));

            List<LoadGenerator.Sender> senders = new ArrayList<>();
            List<DocumentSystemClient> dmsClients = new ArrayList<>();
            for (int i = 0; i < targets.senders().size(); i++) {
                String organ = targets.senders().get(i);
                ApplianceSetup.DmsIdentity dms = targets.documentSystems().get(organ);
                DocumentSystemClient client = new DocumentSystemClient(targets.sender().api(), dms.key(),
                        dms.certificate(), targets.root());
                dmsClients.add(client);
                senders.add(new LoadGenerator.Sender(client, EdxmlDocuments.letter(organ, targets.receivers().get(i), size)));
            }
            List<BenchReport.Point> results = new ArrayList<>();
            try {
                for (int n : points) {
                    results.add(measure(targets, senders, n, baselines));
                }
            } finally {
                dmsClients.forEach(DocumentSystemClient::close);
            }
            BenchReport report = new BenchReport(
                    new BenchReport.Run(startedAt, command(),
                            rate == null ? "closed loop" : "open loop", Runtime.getRuntime().availableProcessors(),
                            loadAtStart, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                            System.getProperty("java.vm.name") + " " + Runtime.version(), size, targets.senders().size(),
                            keys, warmup.toMillis() / 1000.0, duration.toMillis() / 1000.0, senderApi == null,
                            dir.toString()),
                    baselines, results, Ratios.tls(baselines), Ratios.tlsDefault(baselines), Ratios.doneWhen(results));
            JSON.writeValue(dir.resolve("report.json").toFile(), report);
            Files.writeString(dir.resolve("report.html"), HtmlReport.render(report));
            TerminalTable.print(report, System.out);
            System.out.println("bench: reports written: " + dir.resolve("report.json") + " and " + dir.resolve("report.html"));
            return 0;
        }
    }

    /** {@code --scale-tenants N}: the single-tenant pair, then the N-tenant pair, in one run. */
    private Integer scale(Path dir, String startedAt, double loadAtStart) throws Exception {
        if (senderApi != null) {
            throw new ParameterException(spec.commandLine(), "--scale-tenants starts its own appliances: drop --sender-api");
        }
        if (scaleTenants < 2 || scaleSample < 1 || scaleSample > scaleTenants) {
            throw new ParameterException(spec.commandLine(), "--scale-tenants must be at least 2 and --scale-sample from 1 to it");
        }
        say("measuring the baselines (raw HSM signatures, raw LMDB commits, the axis listener's TLS), "
                + baselineTime.toMillis() / 1000.0 + " s each");
        BaselineFigures baselines = BaselineRunner.run(Files.createDirectories(dir.resolve("baselines")),
                baselineTime.toMillis() / 1000.0, keys, size, 4);
        List<BenchReport.Point> results = new ArrayList<>();
        ScaleComparison.Scale scale = new ScaleComparison(this).run(dir, scaleTenants, scaleSample,
                keys.equals("ec") ? "ecp256" : "rsa2048", baselines, results);
        BenchReport report = new BenchReport(
                new BenchReport.Run(startedAt, command(), rate == null ? "closed loop" : "open loop",
                        Runtime.getRuntime().availableProcessors(), loadAtStart,
                        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                        System.getProperty("java.vm.name") + " " + Runtime.version(), size, scaleTenants, keys,
                        warmup.toMillis() / 1000.0, duration.toMillis() / 1000.0, true, dir.toString()),
                baselines, results, Ratios.tls(baselines), Ratios.tlsDefault(baselines), Ratios.doneWhen(results));
        com.fasterxml.jackson.databind.node.ObjectNode json = JSON.valueToTree(report);
        json.set("scale", JSON.valueToTree(scale));
        JSON.writeValue(dir.resolve("report.json").toFile(), json);
        Files.writeString(dir.resolve("report.html"), ScaleTable.html(scale, results, HtmlReport.render(report)));
        TerminalTable.print(report, System.out);
        ScaleTable.print(scale, results, System.out);
        System.out.println("bench: reports written: " + dir.resolve("report.json") + " and " + dir.resolve("report.html"));
        return 0;
    }

    /** The command as typed (the parse result holds the root's arguments when run as a subcommand). */
    private String command() {
        List<String> args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
        if (!args.isEmpty() && args.getFirst().equals("e2e")) {
            args.removeFirst();
        }
        return "lienthong bench e2e " + String.join(" ", args);
    }

    private List<Integer> points() {
        if (sweep == null) {
            return List.of(clients);
        }
        if (!sweep.startsWith("clients=")) {
            throw new ParameterException(spec.commandLine(), "--sweep takes clients=N,N,... (e.g. clients=1,4,16,64,256)");
        }
        List<Integer> values = new ArrayList<>();
        for (String part : sweep.substring("clients=".length()).split(",")) {
            try {
                values.add(Integer.parseInt(part.strip()));
            } catch (NumberFormatException e) {
                throw new ParameterException(spec.commandLine(), "--sweep: '" + part + "' is not a client count");
            }
        }
        return values;
    }

    private List<String> organs(String side) {
        List<String> organs = new ArrayList<>();
        for (int i = 1; i <= tenants; i++) {
            organs.add(String.format("000.00.00.%s%02d", side, i));
        }
        return organs;
    }

    private Targets external() throws IOException {
        if (caFile == null || dmsCert == null || dmsKey == null || from == null || to == null) {
            throw new ParameterException(spec.commandLine(),
                    "--sender-api needs --ca, --dms-cert, --dms-key, --from and --to");
        }
        X509Certificate root = Pem.certificates(Files.readAllBytes(caFile)).getFirst();
        X509Certificate cert = Pem.certificates(Files.readAllBytes(dmsCert)).getFirst();
        PrivateKey key;
        try (PEMParser parser = new PEMParser(new StringReader(Files.readString(dmsKey)))) {
            Object read = parser.readObject();
            if (!(read instanceof PrivateKeyInfo info)) {
                throw new ParameterException(spec.commandLine(), dmsKey + " is not a PKCS#8 private key (BEGIN PRIVATE KEY)");
            }
            key = new JcaPEMKeyConverter().getPrivateKey(info);
        }
        return new Targets(new BenchAppliances.Running("sender", senderApi, null, senderOps, null, null),
                new BenchAppliances.Running("receiver", null, null, receiverOps, null, null), root,
                List.of(from), List.of(to), Map.of(from, new ApplianceSetup.DmsIdentity(key, cert)));
    }

    BenchReport.Point measure(Targets targets, List<LoadGenerator.Sender> senders, int clientCount,
                                      BaselineFigures baselines) throws Exception {
        URI senderOpsUri = targets.sender().ops();
        URI receiverOpsUri = targets.receiver() == null ? null : targets.receiver().ops();
        String what = rate == null ? clientCount + " clients, closed loop" : clientCount + " clients, open loop at " + rate + "/s";
        List<BenchReport.Second> timeline = new ArrayList<>();
        Histogram accept = new Histogram(3);
        double senderHeapMax = 0;
        double receiverHeapMax = 0;
        MetricsScrape senderStart;
        MetricsScrape receiverStart;
        MetricsScrape senderEnd;
        MetricsScrape receiverEnd;
        long benchCpuStart;
        long benchCpuEnd;
        double warmupSeconds;
        long startNanos;
        long endNanos;
        List<LoadGenerator.Submitted> submitted;
        Map<String, Long> errors;
        try (LoadGenerator load = new LoadGenerator(senders)) {
            load.start(clientCount, rate);
            long warmStart = System.nanoTime();
            long warmEnd = warmStart + warmup.toNanos();
            while (System.nanoTime() < warmEnd) {
                progress(String.format("warming up (%s): %.0f s left", what, (warmEnd - System.nanoTime()) / 1e9));
                Thread.sleep(Math.min(1000, Math.max(1, (warmEnd - System.nanoTime()) / 1_000_000)));
            }
            warmUntilJitSettles(what, senderOpsUri, receiverOpsUri, warmStart + warmupMax.toNanos());
            warmupSeconds = (System.nanoTime() - warmStart) / 1e9;
            senderStart = MetricsScrape.read(ops, senderOpsUri);
            receiverStart = MetricsScrape.read(ops, receiverOpsUri);
            benchCpuStart = benchCpuNanos();
            load.interval();
            load.measuring(true);
            startNanos = System.nanoTime();
            MetricsScrape previous = senderStart;
            int seconds = (int) Math.max(1, Math.ceil(duration.toMillis() / 1000.0));
            for (int second = 1; second <= seconds; second++) {
                long tick = startNanos + Math.min(duration.toNanos(), second * 1_000_000_000L);
                long sleep = tick - System.nanoTime();
                if (sleep > 0) {
                    Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                }
                Histogram interval = load.interval();
                accept.add(interval);
                MetricsScrape senderNow = MetricsScrape.read(ops, senderOpsUri);
                MetricsScrape receiverNow = MetricsScrape.read(ops, receiverOpsUri);
                double senderHeap = heapMiB(senderNow);
                double receiverHeap = heapMiB(receiverNow);
                senderHeapMax = Math.max(senderHeapMax, senderHeap);
                receiverHeapMax = Math.max(receiverHeapMax, receiverHeap);
                double delivered = previous.delta(senderNow, "lienthong_documents_delivered_total");
                double elapsed = Math.max(1e-3, (senderNow.nanoTime() - previous.nanoTime()) / 1e9);
                previous = senderNow;
                BenchReport.Second point = new BenchReport.Second(second, interval.getTotalCount(),
                        delivered / elapsed, interval.getValueAtPercentile(50) / 1000.0,
                        interval.getValueAtPercentile(99) / 1000.0, interval.getMaxValue() / 1000.0,
                        senderHeap, receiverHeap);
                timeline.add(point);
                progress(String.format("%s: %d/%d s  accepted %d/s  delivered %.0f/s  accept p99 %.1f ms  errors %d",
                        what, second, seconds, point.accepted(), point.delivered(), point.acceptP99(),
                        load.errors().values().stream().mapToLong(Long::longValue).sum()));
            }
            load.measuring(false);
            endNanos = System.nanoTime();
            accept.add(load.interval());
            senderEnd = MetricsScrape.read(ops, senderOpsUri);
            receiverEnd = MetricsScrape.read(ops, receiverOpsUri);
            benchCpuEnd = benchCpuNanos();
            submitted = load.submitted();
            errors = load.errors();
        }
        double windowSeconds = (endNanos - startNanos) / 1e9;
        long accepted = accept.getTotalCount();
        double delivered = senderStart.delta(senderEnd, "lienthong_documents_delivered_total");
        drain(senderOpsUri);
        Histogram delivery = new Histogram(3);
        long[] sampled = deliveryLatencies(targets, senders, submitted, delivery);

        Map<String, Double> cpu = new LinkedHashMap<>();
        double senderCpu = senderStart.delta(senderEnd, "process_cpu_seconds_total");
        double receiverCpu = receiverStart.delta(receiverEnd, "process_cpu_seconds_total");
        cpu.put("senderMillisPerAcceptedDocument", perDoc(senderCpu * 1000, accepted));
        cpu.put("receiverMillisPerDeliveredDocument", perDoc(receiverCpu * 1000, delivered));
        cpu.put("bothAppliancesMillisPerDocument", perDoc((senderCpu + receiverCpu) * 1000, accepted));
        cpu.put("benchClientsMillisPerDocument", perDoc((benchCpuEnd - benchCpuStart) / 1e6, accepted));
        cpu.put("senderCoresBusy", senderCpu / windowSeconds);
        cpu.put("receiverCoresBusy", receiverCpu / windowSeconds);
        // JIT compilation in the window (wall time of the compiler threads): a run measured before the
        // appliances are warm shows it here, and its CPU is in the figures per document above.
        cpu.put("senderJitCoresBusy", senderStart.delta(senderEnd, JIT_SECONDS) / windowSeconds);
        cpu.put("receiverJitCoresBusy", receiverStart.delta(receiverEnd, JIT_SECONDS) / windowSeconds);

        Map<String, Double> heap = new LinkedHashMap<>();
        heap.put("senderIdle", heapMiB(senderStart));
        heap.put("senderMax", senderHeapMax);
        heap.put("receiverIdle", heapMiB(receiverStart));
        heap.put("receiverMax", receiverHeapMax);
        heap.put("senderLimit", senderEnd.sum("jvm_memory_max_bytes", "area=\"heap\"") / (1 << 20));

        Map<String, Double> appliance = new LinkedHashMap<>();
        appliance.put("senderHsmSignaturesPerDocument", perDoc(senderStart.delta(senderEnd, "lienthong_hsm_sign_seconds_count"), accepted));
        appliance.put("senderHsmMillisPerDocument", perDoc(senderStart.delta(senderEnd, "lienthong_hsm_sign_seconds_sum") * 1000, accepted));
        appliance.put("senderStoreCommitsPerDocument", perDoc(senderStart.delta(senderEnd, "lienthong_storage_commit_seconds_count"), accepted));
        appliance.put("senderStoreCommitMillisMean", perDoc(senderStart.delta(senderEnd, "lienthong_storage_commit_seconds_sum") * 1000,
                senderStart.delta(senderEnd, "lienthong_storage_commit_seconds_count")));
        appliance.put("senderWritesPerCommitMean", perDoc(senderStart.delta(senderEnd, "lienthong_storage_commit_batch_size_sum"),
                senderStart.delta(senderEnd, "lienthong_storage_commit_batch_size_count")));
        appliance.put("receiverVerifyMillisPerDocument", perDoc(receiverStart.delta(receiverEnd, "lienthong_hsm_verify_seconds_sum") * 1000, delivered));
        appliance.put("receiverHsmSignaturesPerDocument", perDoc(receiverStart.delta(receiverEnd, "lienthong_hsm_sign_seconds_count"), delivered));
        appliance.put("receiverStoreCommitsPerDocument", perDoc(receiverStart.delta(receiverEnd, "lienthong_storage_commit_seconds_count"), delivered));
        appliance.put("deliveryAttemptsPerDelivery", perDoc(senderStart.delta(senderEnd, "lienthong_delivery_attempts_total"), delivered));
        // Kept-alive connections show as handshakes far below one per document, on both hops.
        appliance.put("senderApiTlsHandshakesPerDocument", perDoc(senderEnd.sum(HANDSHAKES, "listener=\"api\"")
                - senderStart.sum(HANDSHAKES, "listener=\"api\""), accepted));
        appliance.put("receiverAxisTlsHandshakesPerDocument", perDoc(receiverEnd.sum(HANDSHAKES, "listener=\"axis\"")
                - receiverStart.sum(HANDSHAKES, "listener=\"axis\""), delivered));

        List<BenchReport.Percentile> percentiles = new ArrayList<>();
        for (double p : PERCENTILES) {
            percentiles.add(new BenchReport.Percentile(p, accept.getTotalCount() == 0 ? 0 : accept.getValueAtPercentile(p) / 1000.0,
                    delivery.getTotalCount() == 0 ? 0 : delivery.getValueAtPercentile(p) / 1000.0));
        }
        double acceptedPerSecond = accepted / windowSeconds;
        double deliveredPerSecond = delivered / windowSeconds;
        BenchReport.Latency acceptLatency = BenchReport.Latency.ofMicros(accept);
        Map<String, Double> ratios = Ratios.point(baselines, acceptedPerSecond, deliveredPerSecond, acceptLatency,
                cpu.get("senderMillisPerAcceptedDocument"), heap);
        endProgress();
        say(String.format("%s: accepted %.0f/s (%.1f x raw HSM), delivered %.0f/s (%.1f x raw HSM), accept p99 %.1f ms",
                what, acceptedPerSecond, ratios.get("acceptedOverRawHsmSign"), deliveredPerSecond,
                ratios.get("deliveredOverRawHsmSign"), acceptLatency.p99()));
        return new BenchReport.Point(clientCount, rate, warmupSeconds, windowSeconds, accepted, delivered, acceptedPerSecond,
                deliveredPerSecond, errors, acceptLatency, BenchReport.Latency.ofMicros(delivery), sampled[0], sampled[1],
                cpu, heap, appliance, ratios, timeline, percentiles);
    }

    /**
     * Goes on loading while the appliances' JIT compilers are still busy (5-second readings of
     * {@code jvm_compilation_time_seconds_total}), until {@code deadline}: the CPU they take
     * would otherwise be counted per document. Appliances without that metric count as warm.
     */
    private void warmUntilJitSettles(String what, URI senderOpsUri, URI receiverOpsUri, long deadline)
            throws InterruptedException {
        MetricsScrape sender = MetricsScrape.read(ops, senderOpsUri);
        MetricsScrape receiver = MetricsScrape.read(ops, receiverOpsUri);
        while (System.nanoTime() < deadline) {
            Thread.sleep(Math.max(1, Math.min(5_000, (deadline - System.nanoTime()) / 1_000_000)));
            MetricsScrape senderNow = MetricsScrape.read(ops, senderOpsUri);
            MetricsScrape receiverNow = MetricsScrape.read(ops, receiverOpsUri);
            double seconds = Math.max(1e-3, (senderNow.nanoTime() - sender.nanoTime()) / 1e9);
            double senderJit = sender.delta(senderNow, JIT_SECONDS) / seconds;
            double receiverJit = receiver.delta(receiverNow, JIT_SECONDS) / seconds;
            if (senderJit < JIT_SETTLED && receiverJit < JIT_SETTLED) {
                return;
            }
            progress(String.format("warming up (%s): the JIT still compiles (sender %.2f, receiver %.2f s/s);"
                    + " at most %.0f s more", what, senderJit, receiverJit, (deadline - System.nanoTime()) / 1e9));
            sender = senderNow;
            receiver = receiverNow;
        }
    }

    /** Waits until the sender has delivered everything it accepted (or --drain has passed). */
    private void drain(URI senderOpsUri) throws InterruptedException {
        long deadline = System.nanoTime() + drain.toNanos();
        while (System.nanoTime() < deadline) {
            MetricsScrape now = MetricsScrape.read(ops, senderOpsUri);
            if (now.empty()) {
                return;
            }
            double backlog = now.sum("lienthong_documents_accepted_total") - now.sum("lienthong_documents_delivered_total");
            if (backlog <= 0) {
                return;
            }
            progress(String.format("draining: %.0f accepted documents not delivered yet, %.0f s left", backlog,
                    (deadline - System.nanoTime()) / 1e9));
            Thread.sleep(500);
        }
    }

    /**
     * Reads the outbox status of a uniform sample of the documents accepted while measuring: delivery
     * latency is the recipient's {@code deliveredAt} minus when the client began to submit.
     * Answers {sampled, not delivered}.
     */
    private long[] deliveryLatencies(Targets targets, List<LoadGenerator.Sender> senders,
                                     List<LoadGenerator.Submitted> submitted, Histogram delivery) throws Exception {
        List<LoadGenerator.Submitted> sample = new ArrayList<>(submitted);
        if (sample.size() > deliverySample) {
            Collections.shuffle(sample, new Random(42));
            sample = sample.subList(0, deliverySample);
        }
        AtomicLong notDelivered = new AtomicLong();
        List<LoadGenerator.Submitted> todo = sample;
        progress("reading the delivery time of " + todo.size() + " accepted documents from the outbox status");
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                int worker = w;
                futures.add(pool.submit(() -> {
                    for (int i = worker; i < todo.size(); i += 8) {
                        LoadGenerator.Submitted s = todo.get(i);
                        long deliveredAt = deliveredAtMicros(senders, s.id());
                        if (deliveredAt < 0) {
                            notDelivered.incrementAndGet();
                        } else {
                            synchronized (delivery) {
                                delivery.recordValue(Math.max(1, deliveredAt - s.startEpochMicros()));
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        }
        return new long[] {todo.size(), notDelivered.get()};
    }

    /** The recipient's deliveredAt of one message (epoch µs), or -1 if it has none yet. */
    private static long deliveredAtMicros(List<LoadGenerator.Sender> senders, String id) throws Exception {
        for (LoadGenerator.Sender sender : senders) {
            DocumentSystemClient.Answer answer = sender.client().outboxStatus(id);
            if (answer.status() != 200) {
                continue;
            }
            for (JsonNode recipient : answer.json().path("recipients")) {
                if (recipient.hasNonNull("deliveredAt")) {
                    Instant at = Instant.parse(recipient.path("deliveredAt").asText());
                    return at.getEpochSecond() * 1_000_000 + at.getNano() / 1000;
                }
            }
            return -1;
        }
        return -1;
    }

    private static double heapMiB(MetricsScrape scrape) {
        return scrape.sum("jvm_memory_used_bytes", "area=\"heap\"") / (1 << 20);
    }

    private static double perDoc(double total, double documents) {
        return documents <= 0 ? 0 : total / documents;
    }

    private static long benchCpuNanos() {
        return ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class).getProcessCpuTime();
    }

    private static Path defaultDirectory() {
        String home = System.getenv("LIENTHONG_HOME");
        return (home != null ? Path.of(home) : Path.of("")).resolve("var/bench")
                .resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

    private long lastProgressLine;

    /** The progress line: rewritten in place on a terminal, one line every 5 s otherwise (logs, tests). */
    private void progress(String line) {
        if (console) {
            System.err.print("\r\033[K" + line);
            System.err.flush();
        } else if (System.nanoTime() - lastProgressLine > 5_000_000_000L) {
            lastProgressLine = System.nanoTime();
            System.err.println("bench: " + line);
        }
    }

    private void endProgress() {
        if (console) {
            System.err.print("\r\033[K");
            System.err.flush();
        }
    }

    private final long began = System.nanoTime();

    void say(String line) {
        endProgress();
        System.out.printf("bench: [%5.1f s] %s%n", (System.nanoTime() - began) / 1e9, line);
    }
}
