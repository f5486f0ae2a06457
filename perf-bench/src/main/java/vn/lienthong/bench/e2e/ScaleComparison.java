package vn.lienthong.bench.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import vn.lienthong.appliance.demo.ApplianceSetup;
import vn.lienthong.appliance.demo.DocumentSystemClient;
import vn.lienthong.bench.baseline.BaselineFigures;
import vn.lienthong.bench.report.BenchReport;

/**
 * {@code bench e2e --scale-tenants N}: in one run, a pair of appliances with one tenant each, then a
 * pair with N tenants each, the same load on both; reports provisioning and start-up time, memory
 * (heap and resident set) and the metrics' size idle, and the throughput of the N-tenant pair against
 * the one-tenant pair's.
 */
final class ScaleComparison {

    /** How the appliances of one configuration started and what they held idle, before any load. */
    record Configuration(String name, int tenantsPerAppliance, double provisionSeconds,
                         Map<String, Double> startupSeconds, Map<String, Double> idleHeapMiB,
                         Map<String, Double> idleRssMiB, Map<String, Double> metricSamples,
                         Map<String, Double> loadedRssMiB) {
    }

    /**
     * One measured load: on which configuration, over how many sending tenants; and the flow, documents
     * delivered per second from the start of its warm-up until its last delivery (the drain included),
     * which unlike the window's delivered/s does not depend on whether the forwarder keeps up during it.
     */
    record Load(String configuration, int loadedTenants, int resultIndex, double deliveredFlowPerSecond,
                double senderMetricSamplesAfter) {
    }

    /** The scale section of report.json. */
    record Scale(int tenants, int sample, String keys, List<Configuration> configurations, List<Load> loads,
                 Map<String, Double> ratios, boolean acceptedAtLeast08, boolean deliveredFlowAtLeast08) {
    }

    private final E2eCommand command;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ScaleComparison(E2eCommand command) {
        this.command = command;
    }

    /** Runs both configurations; adds each measured point to {@code results}. */
    Scale run(Path dir, int tenants, int sample, String keyAlgorithm, BaselineFigures baselines,
              List<BenchReport.Point> results) throws Exception {
        List<Configuration> configurations = new ArrayList<>();
        List<Load> loads = new ArrayList<>();

        command.say("scale: the single-tenant pair (one sending, one receiving tenant)");
        try (BenchAppliances one = new BenchAppliances()) {
            Started started = start(one, dir.resolve("one-tenant"), 1, keyAlgorithm);
            loads.add(measure(started.targets(), "one-tenant", 1, baselines, results));
            configurations.add(started.configuration("one-tenant", 1, rss(started.targets())));
        }

        command.say("scale: the " + tenants + "-tenant pair (bulk provisioning: keys made in one HSM session)");
        try (BenchAppliances many = new BenchAppliances()) {
            Started started = start(many, dir.resolve(tenants + "-tenants"), tenants, keyAlgorithm);
            command.say("scale: load through 1 of the " + tenants + " tenants");
            loads.add(measure(started.targets(), tenants + "-tenants", 1, baselines, results));
            command.say("scale: load spread over " + sample + " of the " + tenants + " tenants");
            loads.add(measure(started.targets(), tenants + "-tenants", sample, baselines, results));
            configurations.add(started.configuration(tenants + "-tenants", tenants, rss(started.targets())));
        }

        BenchReport.Point single = results.get(loads.getFirst().resultIndex());
        BenchReport.Point manyOne = results.get(loads.get(1).resultIndex());
        BenchReport.Point manySample = results.get(loads.get(2).resultIndex());
        Map<String, Double> ratios = new LinkedHashMap<>();
        ratios.put("acceptedSampleOverSingle", ratio(manySample.acceptedPerSecond(), single.acceptedPerSecond()));
        ratios.put("deliveredSampleOverSingle", ratio(manySample.deliveredPerSecond(), single.deliveredPerSecond()));
        ratios.put("deliveredFlowSampleOverSingle", ratio(loads.get(2).deliveredFlowPerSecond(),
                loads.getFirst().deliveredFlowPerSecond()));
        ratios.put("deliveredFlowOneOfManyOverSingle", ratio(loads.get(1).deliveredFlowPerSecond(),
                loads.getFirst().deliveredFlowPerSecond()));
        ratios.put("acceptedOneOfManyOverSingle", ratio(manyOne.acceptedPerSecond(), single.acceptedPerSecond()));
        ratios.put("deliveredOneOfManyOverSingle", ratio(manyOne.deliveredPerSecond(), single.deliveredPerSecond()));
        ratios.put("senderStartupManyOverSingle", ratio(configurations.get(1).startupSeconds().get("sender"),
                configurations.get(0).startupSeconds().get("sender")));
        ratios.put("senderIdleHeapManyOverSingle", ratio(configurations.get(1).idleHeapMiB().get("sender"),
                configurations.get(0).idleHeapMiB().get("sender")));
        ratios.put("senderIdleRssManyOverSingle", ratio(configurations.get(1).idleRssMiB().get("sender"),
                configurations.get(0).idleRssMiB().get("sender")));
        return new Scale(tenants, sample, keyAlgorithm, configurations, loads, ratios,
                ratios.get("acceptedSampleOverSingle") >= 0.8, ratios.get("deliveredFlowSampleOverSingle") >= 0.8);
    }

    /** The command's load (--clients, --duration, ...) spread over {@code tenants} sending tenants. */
    private Load measure(Targets targets, String configuration, int tenants, BaselineFigures baselines,
                         List<BenchReport.Point> results) throws Exception {
        List<LoadGenerator.Sender> senders = senders(targets, tenants);
        FlowWatch flow = new FlowWatch(targets.sender().ops());
        try {
            results.add(command.measure(targets, senders, command.clients, baselines));
        } finally {
            flow.stop();
            senders.forEach(sender -> sender.client().close());
        }
        MetricsScrape after = MetricsScrape.read(http, targets.sender().ops());
        return new Load(configuration, tenants, results.size() - 1, flow.perSecond(), after.samples().size());
    }

    /** Reads the sender's delivered count twice a second while a load point runs. */
    private final class FlowWatch {
        private final Thread thread;
        private volatile boolean running = true;
        private final long start = System.nanoTime();
        private double first = Double.NaN;
        private double last = Double.NaN;
        private long lastIncrease;

        FlowWatch(URI ops) {
            thread = Thread.ofPlatform().daemon().name("bench-flow").start(() -> {
                while (running) {
                    MetricsScrape now = MetricsScrape.read(http, ops);
                    if (!now.empty()) {
                        double delivered = now.sum("lienthong_documents_delivered_total");
                        synchronized (this) {
                            if (Double.isNaN(first)) {
                                first = delivered;
                            }
                            if (Double.isNaN(last) || delivered > last) {
                                last = delivered;
                                lastIncrease = now.nanoTime();
                            }
                        }
                    }
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        void stop() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join();
        }

        synchronized double perSecond() {
            double seconds = (lastIncrease - start) / 1e9;
            return Double.isNaN(first) || seconds <= 0 ? 0 : (last - first) / seconds;
        }
    }

    private record Started(Targets targets, double provisionSeconds, Map<String, Double> startupSeconds,
                           Map<String, Double> idleHeap, Map<String, Double> idleRss, Map<String, Double> samples) {
        Configuration configuration(String name, int tenants, Map<String, Double> loadedRss) {
            return new Configuration(name, tenants, provisionSeconds, startupSeconds, idleHeap, idleRss, samples,
                    loadedRss);
        }
    }

    private Started start(BenchAppliances appliances, Path dir, int tenants, String keyAlgorithm) throws Exception {
        Files.createDirectories(dir);
        long begin = System.nanoTime();
        Targets targets = appliances.start(dir, organs("S", tenants), organs("R", tenants), keyAlgorithm,
                command.forwarderWorkers, command::say);
        double total = (System.nanoTime() - begin) / 1e9;
        Map<String, Double> startup = appliances.startupSeconds();
        double provision = total - startup.values().stream().mapToDouble(Double::doubleValue).max().orElse(0);
        // Let start-up's garbage go before reading idle memory, as an operator's look an hour later would.
        Thread.sleep(2000);
        Map<String, Double> heap = new LinkedHashMap<>();
        Map<String, Double> samples = new LinkedHashMap<>();
        for (BenchAppliances.Running r : List.of(targets.sender(), targets.receiver())) {
            MetricsScrape scrape = MetricsScrape.read(http, r.ops());
            heap.put(r.name(), scrape.sum("jvm_memory_used_bytes", "area=\"heap\"") / (1 << 20));
            samples.put(r.name(), (double) scrape.samples().size());
        }
        Map<String, Double> rss = rss(targets);
        command.say(String.format("scale: %d tenant(s) per appliance: provisioned in %.1f s, started in %.1f s"
                        + " (sender) and %.1f s (receiver); idle heap %.0f / %.0f MiB, RSS %.0f / %.0f MiB,"
                        + " %.0f / %.0f metric samples", tenants, provision, startup.get("sender"),
                startup.get("receiver"), heap.get("sender"), heap.get("receiver"), rss.get("sender"),
                rss.get("receiver"), samples.get("sender"), samples.get("receiver")));
        return new Started(targets, provision, startup, heap, rss, samples);
    }

    /** The resident set of each appliance process, read from /proc (MiB; -1 where it cannot be read). */
    private static Map<String, Double> rss(Targets targets) {
        Map<String, Double> rss = new LinkedHashMap<>();
        for (BenchAppliances.Running r : List.of(targets.sender(), targets.receiver())) {
            rss.put(r.name(), r.process() == null ? -1 : residentMiB(r.process().pid()));
        }
        return rss;
    }

    private static double residentMiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Not Linux, or the process is gone: say so with -1 rather than stop the run.
        }
        return -1;
    }

    /** The first {@code count} sending tenants, each sending to its own receiving tenant. */
    private List<LoadGenerator.Sender> senders(Targets targets, int count) throws IOException {
        List<LoadGenerator.Sender> senders = new ArrayList<>();
        int step = Math.max(1, targets.senders().size() / count);
        // Spread over the whole range (every step-th tenant), not only the first ones provisioned.
        for (int i = 0; i < targets.senders().size() && senders.size() < count; i += step) {
            String organ = targets.senders().get(i);
            ApplianceSetup.DmsIdentity dms = targets.documentSystems().get(organ);
            URI api = targets.sender().api();
            DocumentSystemClient client = new DocumentSystemClient(api, dms.key(), dms.certificate(), targets.root());
            senders.add(new LoadGenerator.Sender(client, EdxmlDocuments.letter(organ, targets.receivers().get(i),
                    command.size)));
        }
        return senders;
    }

    private static List<String> organs(String side, int count) {
        List<String> organs = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            organs.add(String.format("000.00.00.%s%04d", side, i));
        }
        return organs;
    }

    private static double ratio(Double a, Double b) {
        return a == null || b == null || b == 0 ? 0 : a / b;
    }
}
