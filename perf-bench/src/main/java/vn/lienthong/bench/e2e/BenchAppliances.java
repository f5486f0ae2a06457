package vn.lienthong.bench.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import vn.lienthong.appliance.cli.JvmLauncher;
import vn.lienthong.appliance.demo.ApplianceSetup;
import vn.lienthong.appliance.demo.DemoCa;

/**
 * The sending and the receiving appliance of a bench run, set up as the demo sets up its two: a CA,
 * each appliance's own SoftHSM2 token directory ({@code softhsm2.conf}), LMDB store and keys made
 * with the operator's {@code provision} commands, each started with {@code lienthong serve} as a
 * process of its own, on ports the system chooses so that it can run beside the demo.
 */
public final class BenchAppliances implements AutoCloseable {

    private static final Pattern UP = Pattern.compile("local API (\\S+), axis (\\S+), operations (\\S+)");

    /** One running appliance: where its listeners are and its process (null when it runs elsewhere). */
    public record Running(String name, URI api, URI axis, URI ops, Process process, Path log) {
    }

    private final List<Running> running = new ArrayList<>();
    private final Map<String, Long> launchedAt = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Double> startupSeconds = new java.util.concurrent.ConcurrentHashMap<>();
    private DemoCa ca;

    /**
     * Seconds from {@code lienthong serve} to {@code /health/ready}, by appliance name ("sender",
     * "receiver"), of the appliances this object started.
     */
    public Map<String, Double> startupSeconds() {
        return Map.copyOf(startupSeconds);
    }

    /** Provisions and starts both; {@code senders} and {@code receivers} name each tenant's organ id. */
    public Targets start(Path directory, List<String> senders, List<String> receivers, String keyAlgorithm,
                         Integer forwarderWorkers, Consumer<String> say) throws Exception {
        ca = DemoCa.create("lienthong bench CA");
        Path root = directory.resolve("ca/root.pem");
        Files.createDirectories(root.getParent());
        Files.writeString(root, DemoCa.pem(ca.root()));
        Path sender = prepare(directory.resolve("sender"), "sender", forwarderWorkers);
        Path receiver = prepare(directory.resolve("receiver"), "receiver", forwarderWorkers);
        say.accept("provisioning the sending and the receiving appliance (SoftHSM2 tokens, " + keyAlgorithm
                + " tenant keys, certificates) under " + directory);
        ApplianceSetup setup = new ApplianceSetup(ca, root);
        ProvisioningShell senderShell = ProvisioningShell.start(sender.resolve("config.yaml"),
                sender.resolve("softhsm2.conf"), sender.resolve("provision.log"));
        ProvisioningShell receiverShell = ProvisioningShell.start(receiver.resolve("config.yaml"),
                receiver.resolve("softhsm2.conf"), receiver.resolve("provision.log"));
        try (senderShell; receiverShell; ExecutorService pool = Executors.newFixedThreadPool(2)) {
            Future<ApplianceSetup.Result> sent = pool.submit(() -> provision(setup, sender, senderShell,
                    senders, keyAlgorithm));
            Future<ApplianceSetup.Result> received = pool.submit(() -> provision(setup, receiver, receiverShell,
                    receivers, keyAlgorithm));
            ApplianceSetup.Result senderSetup = get(sent);
            ApplianceSetup.Result receiverSetup = get(received);

            say.accept("starting both appliances (lienthong serve, one process each)");
            Running startingSender = launch("sender", sender);
            Running startingReceiver = launch("receiver", receiver);
            Running a = awaitUp(startingSender);
            Running b = awaitUp(startingReceiver);
            List<ApplianceSetup.Route> routes = new ArrayList<>();
            senders.forEach(organ -> routes.add(new ApplianceSetup.Route(organ, a.axis().toString(),
                    senderSetup.tlsCertificateSha256())));
            receivers.forEach(organ -> routes.add(new ApplianceSetup.Route(organ, b.axis().toString(),
                    receiverSetup.tlsCertificateSha256())));
            Path directoryFile = directory.resolve("directory.json");
            Files.writeString(directoryFile, ApplianceSetup.directoryJson(routes));
            senderShell.provision(List.of("directory", "import", directoryFile.toString()));
            receiverShell.provision(List.of("directory", "import", directoryFile.toString()));
            return new Targets(a, b, ca.root(), senders, receivers, senderSetup.documentSystems());
        }
    }

    private static ApplianceSetup.Result get(Future<ApplianceSetup.Result> future) throws Exception {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private static ApplianceSetup.Result provision(ApplianceSetup setup, Path dir, ProvisioningShell shell,
                                                   List<String> organs, String keyAlgorithm) throws Exception {
        shell.provision(List.of("token", "init", "--so-pin-file", dir.resolve("so-pin").toString()));
        List<ApplianceSetup.TenantSpec> tenants = organs.stream()
                .map(organ -> new ApplianceSetup.TenantSpec(organ, "Bench " + organ, keyAlgorithm)).toList();
        // More than one tenant: the bulk commands, whose cost grows with N rather than N squared.
        return tenants.size() > 1 ? setup.provisionInBulk(dir, tenants, shell) : setup.provision(dir, tenants, shell);
    }

    private static Path prepare(Path dir, String name, Integer forwarderWorkers) throws IOException {
        Files.createDirectories(dir.resolve("tokens"));
        Files.writeString(dir.resolve("softhsm2.conf"), "# SoftHSM2 for bench appliance " + name + "\n"
                + "directories.tokendir = " + dir.resolve("tokens") + "\n"
                + "objectstore.backend = file\nlog.level = ERROR\n");
        ApplianceSetup.writeSecret(dir.resolve("pin"), randomPin());
        ApplianceSetup.writeSecret(dir.resolve("so-pin"), randomPin());
        Files.writeString(dir.resolve("config.yaml"), """
                # lienthong bench appliance: %s (ports chosen by the system)
                appliance:
                  name: %s
                listeners:
                  api:  { host: 127.0.0.1, port: 0 }
                  axis: { host: 127.0.0.1, port: 0 }
                  ops:  { host: 127.0.0.1, port: 0 }
                storage:
                  path: data
                  map-size-mib: 8192
                hsm:
                  library: /usr/lib/softhsm/libsofthsm2.so
                  token-label: lienthong-bench-%s
                  pin: file:pin
                forwarder:
                  initial-backoff-millis: 200
                  max-backoff-millis: 5000
                %s""".formatted(name, name, name,
                forwarderWorkers == null ? "" : "  workers: " + forwarderWorkers + "\n"));
        return dir;
    }

    private Running launch(String name, Path dir) throws IOException {
        Path log = dir.resolve("appliance.log");
        Process process = new JvmLauncher().start(Map.of("SOFTHSM2_CONF", dir.resolve("softhsm2.conf").toString()),
                List.of("serve", "--config", dir.resolve("config.yaml").toString()), log);
        launchedAt.put(name, System.nanoTime());
        Running started = new Running(name, null, null, null, process, log);
        running.add(started);
        return started;
    }

    /** Waits for the appliance's "is up" line (it names the ports it got) and for /health/ready. */
    private Running awaitUp(Running starting) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        Running up = null;
        while (up == null) {
            if (!starting.process().isAlive()) {
                throw new IOException("the " + starting.name() + " appliance stopped while starting: see "
                        + starting.log());
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the " + starting.name() + " appliance did not start within 90 s: see "
                        + starting.log());
            }
            Matcher m = UP.matcher(Files.exists(starting.log()) ? Files.readString(starting.log()) : "");
            if (m.find()) {
                up = new Running(starting.name(), URI.create(m.group(1)), URI.create(m.group(2)),
                        URI.create(m.group(3)), starting.process(), starting.log());
            } else {
                Thread.sleep(100);
            }
        }
        running.set(running.indexOf(starting), up);
        try (HttpClient http = HttpClient.newHttpClient()) {
            while (true) {
                try {
                    // A timeout per request: an appliance that answers slowly must not hold the run past the deadline.
                    if (http.send(HttpRequest.newBuilder(up.ops().resolve("/health/ready"))
                                    .timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        break;
                    }
                } catch (IOException notYet) {
                    // still starting
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("the " + up.name() + " appliance was not ready within 90 s: see " + up.log());
                }
                Thread.sleep(100);
            }
        }
        Long launched = launchedAt.get(up.name());
        if (launched != null) {
            startupSeconds.put(up.name(), (System.nanoTime() - launched) / 1e9);
        }
        return up;
    }

    /** Stops both appliances (SIGTERM, then a forced stop after 15 s). */
    @Override
    public void close() {
        for (Running r : running) {
            r.process().destroy();
        }
        for (Running r : running) {
            try {
                if (!r.process().waitFor(15, TimeUnit.SECONDS)) {
                    r.process().destroyForcibly();
                }
            } catch (InterruptedException e) {
                r.process().destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        running.clear();
    }

    private static String randomPin() {
        byte[] bytes = new byte[12];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
