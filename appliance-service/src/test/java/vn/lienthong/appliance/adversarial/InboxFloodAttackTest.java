package vn.lienthong.appliance.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import vn.lienthong.appliance.Appliance;
import vn.lienthong.appliance.Lienthong;
import vn.lienthong.appliance.TestAppliance;
import vn.lienthong.appliance.axis.EnvelopeReceiver;
import vn.lienthong.appliance.cli.JvmLauncher;
import vn.lienthong.appliance.config.ApplianceConfig;
import vn.lienthong.appliance.demo.ApplianceSetup;
import vn.lienthong.appliance.demo.ApplianceSetup.TenantSpec;
import vn.lienthong.appliance.demo.DemoCa;
import vn.lienthong.appliance.demo.DocumentSystemClient;
import vn.lienthong.appliance.envelope.Envelope;
import vn.lienthong.appliance.envelope.EnvelopeCodec;
import vn.lienthong.appliance.envelope.EnvelopeHeader;
import vn.lienthong.appliance.envelope.EnvelopeSealer;
import vn.lienthong.appliance.tls.JsseContexts;
import vn.lienthong.appliance.tls.PinnedServerTrustManager;
import vn.lienthong.hsm.cms.CmsSigner;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.TokenConfig;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;
import vn.lienthong.provisioning.registry.Tenant;

/**
 * A pinned peer fills a tenant's inbox with large documents while the tenant polls its inbox.
 * Appliance a (tenant G22) sends; appliance b (tenants H41, the target, and H14) runs as a child
 * process with a 256 MiB heap that exits on an OutOfMemoryError. The attacker holds a's TLS key and
 * G22's signing key (a compromised peer: every check but the quota passes) and posts 4 MiB envelopes
 * to H41 back to back. H41's inbox quota holds what fits; beyond it b answers 507 before
 * verifying anything. Meanwhile H41's listing stays a few kilobytes (index records, never bodies),
 * b's heap stays under its maximum, {@code /health/ready} stays 200, and G22's documents to H14 keep
 * flowing at half their unattacked rate or better.
 */
class InboxFloodAttackTest {

    static final String G22 = "000.00.00.G22";
    static final String H41 = "000.00.00.H41";
    static final String H14 = "000.00.00.H14";
    static final long HEAP_BOUND = 256L * 1024 * 1024;
    static final int DOCUMENT_BYTES = 4 * 1024 * 1024;
    static final int INBOX_MIB = 48;
    static final int LEGITIMATE_DOCUMENTS = 40;
    static final int MAX_ATTACK_REQUESTS = 60;
    /** Connections posting back to back (the attacker's own work shares this machine's two cores with both appliances). */
    static final int ATTACKERS = 1;
    static final Duration MAX_ATTACK = Duration.ofSeconds(120);
    static final Pattern HEAP_USED = Pattern.compile("^jvm_memory_used_bytes\\{area=\"heap\"} (\\S+)$",
            Pattern.MULTILINE);

    @TempDir
    static Path dir;
    static SoftHsmTestToken tokenA;
    static SoftHsmTestToken tokenB;
    static DemoCa ca;
    static Appliance a;
    static Process b;
    static Path bLog;
    static URI bAxis;
    static int bApiPort;
    static URI bOps;
    static String bPin;
    static DocumentSystemClient g22;
    static DocumentSystemClient h41;
    static DocumentSystemClient h14;
    /** A second session on a's token: what an attacker who took over appliance a holds. */
    static Token attacker;
    static final HttpClient plain = HttpClient.newHttpClient();

    @BeforeAll
    static void startTwoAppliancesTheTargetAsAChildWithABoundedHeap() throws Exception {
        tokenA = SoftHsmTestToken.create("flood-a");
        tokenB = SoftHsmTestToken.create("flood-b");
        ca = DemoCa.create("test CA");
        Path root = dir.resolve("root.pem");
        Files.writeString(root, DemoCa.pem(ca.root()));
        int bApi = freePort();
        bApiPort = bApi;
        int bAxisPort = freePort();
        int bOpsPort = freePort();
        Path aConfig = config("a", tokenA, 0, 0, 0);
        Path bConfig = config("b", tokenB, bApi, bAxisPort, bOpsPort);
        ApplianceSetup.Result aSetup = new ApplianceSetup(ca, root).provision(dir.resolve("a"),
                List.of(new TenantSpec(G22, "Văn phòng Chính phủ", "ecp256")), args -> cli(aConfig, args));
        ApplianceSetup.Result bSetup = new ApplianceSetup(ca, root).provision(dir.resolve("b"),
                List.of(new TenantSpec(H41, "UBND tỉnh Nghệ An", "ecp256"),
                        new TenantSpec(H14, "UBND tỉnh Cao Bằng", "ecp256")), args -> cli(bConfig, args));
        bAxis = URI.create("https://127.0.0.1:" + bAxisPort);
        bOps = URI.create("http://127.0.0.1:" + bOpsPort);
        bPin = bSetup.tlsCertificateSha256();
        // a receives nothing here: its endpoint only has to be pinned for b to know G22's appliance.
        Path directory = dir.resolve("directory.json");
        Files.writeString(directory, ApplianceSetup.directoryJson(List.of(
                new ApplianceSetup.Route(G22, "https://127.0.0.1:" + freePort(), aSetup.tlsCertificateSha256()),
                new ApplianceSetup.Route(H41, bAxis.toString(), bPin),
                new ApplianceSetup.Route(H14, bAxis.toString(), bPin))));
        for (Path config : List.of(aConfig, bConfig)) {
            cli(config, List.of("directory", "import", directory.toString()));
        }
        cli(bConfig, List.of("tenant", "quota", H41, "--inbox-mib", String.valueOf(INBOX_MIB)));

        ProcessBuilder builder = new JvmLauncher().builder(Map.of(), List.of("serve", "--config", bConfig.toString()));
        List<String> command = builder.command();
        // The child's own flags go after the inherited ones, so that they win.
        command.addAll(command.indexOf("-cp"), List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"));
        bLog = dir.resolve("b.log");
        b = builder.redirectErrorStream(true).redirectOutput(bLog.toFile()).start();
        a = Appliance.start(ApplianceConfig.load(aConfig));
        awaitReady();
        g22 = client(aSetup, G22, a.apiUri().getPort());
        h41 = client(bSetup, H41, bApi);
        h14 = client(bSetup, H14, bApi);
        attacker = Token.open(tokenA.config());
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable closeable : new AutoCloseable[] {g22, h41, h14, attacker, a}) {
            if (closeable != null) {
                closeable.close();
            }
        }
        if (b != null) {
            b.destroy();
            b.waitFor();
            Files.copy(bLog, Path.of("target/InboxFloodAttackTest-b.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        for (SoftHsmTestToken token : new SoftHsmTestToken[] {tokenA, tokenB}) {
            if (token != null) {
                token.close();
            }
        }
    }

    @Test
    void aPinnedPeerFillingATenantsInboxWithLargeDocumentsStarvesNoOne() throws Exception {
        legitimateRate(); // warms both appliances up, so that the unattacked rate is not that of a cold start
        double unattacked = legitimateRate();

        Attack attack = new Attack();
        Poll poll = new Poll();
        double attacked;
        double storeWhenFull;
        double storeAfter;
        try {
            attack.start();
            poll.start();
            Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
            while (attack.refused.get() == 0) { // the inbox holds all its quota allows: the flood is refused from here on
                assertTrue(Instant.now().isBefore(deadline) && b.isAlive(), "the quota never refused: " + attack);
                Thread.sleep(50);
            }
            storeWhenFull = metric("lienthong_storage_map_used_bytes", "");
            attacked = legitimateRate();
        } finally {
            attack.stop();
            poll.stop();
        }
        storeAfter = metric("lienthong_storage_map_used_bytes", "");

        double ratio = attacked / unattacked;
        System.out.printf("InboxFloodAttackTest: legitimate %.2f documents/s unattacked, %.2f attacked (ratio %.2f);"
                        + " attack %s; H41 listed %d times, at most %d messages in %d bytes, slowest %d ms;"
                        + " b's heap at most %d MiB over %d reads (-Xmx256m); b's store grew %d KiB while refusing%n",
                unattacked, attacked, ratio, attack, poll.polls.get(), poll.maxListed.get(), poll.maxBytes.get(),
                poll.slowestMillis.get(), poll.maxHeap.get() >> 20, poll.heapReads.get(),
                (long) (storeAfter - storeWhenFull) >> 10);
        assertTrue(b.isAlive(), "the target appliance is still running: " + tail());
        assertFalse(Files.readString(bLog).contains("OutOfMemoryError"), tail());
        assertEquals(List.of(), poll.failures, "every listing and readiness probe answered 200");
        assertTrue(poll.polls.get() >= 3 && poll.heapReads.get() >= 3, "H41 polled its inbox while flooded");
        assertTrue(attack.stored.get() >= 2 && attack.refused.get() >= 1, attack.toString());
        assertTrue(attack.stored.get() <= INBOX_MIB * 1024L * 1024 / DOCUMENT_BYTES, "no more than the quota: " + attack);
        // Each listed message is its index record, a few hundred bytes of JSON, whatever the document's size.
        assertEquals(attack.stored.get(), poll.maxListed.get(), "every stored document was listed");
        assertTrue(poll.maxBytes.get() < 400L * attack.stored.get() + 100, "listing of " + poll.maxBytes + " bytes");
        assertTrue(poll.maxHeap.get() < HEAP_BOUND, "heap used at most " + poll.maxHeap);
        assertTrue(ratio >= 0.5, "legitimate documents flowed at " + ratio + " of their unattacked rate");
        // Refusals store nothing: what the store gained meanwhile is the legitimate documents' (about 100 KiB).
        assertTrue(storeAfter - storeWhenFull < 1024 * 1024, "b's store grew " + (storeAfter - storeWhenFull) + " bytes");
        assertTrue(metric("lienthong_inbox_quota_refusals_total", "tenant=\"" + H41 + "\"") >= attack.refused.get());
    }

    /**
     * G22's document system submits documents to H14 one after another; the rate is documents per
     * second from the first submission until b has received them all. H14 acknowledges them after.
     */
    private static double legitimateRate() throws Exception {
        double before = metric("lienthong_documents_received_total", "tenant=\"" + H14 + "\"");
        long start = System.nanoTime();
        for (int i = 0; i < LEGITIMATE_DOCUMENTS; i++) {
            var submitted = g22.submit(TestAppliance.edxml(G22, List.of(H14), "văn bản " + i));
            assertEquals(202, submitted.status(), submitted.text());
        }
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
        while (metric("lienthong_documents_received_total", "tenant=\"" + H14 + "\"") < before + LEGITIMATE_DOCUMENTS) {
            assertTrue(Instant.now().isBefore(deadline), "legitimate documents were not delivered in 120 s");
            Thread.sleep(20);
        }
        double rate = LEGITIMATE_DOCUMENTS / ((System.nanoTime() - start) / 1e9);
        for (String id : h14.inbox(0)) {
            assertEquals(204, h14.acknowledge(id).status());
        }
        return rate;
    }

    /** Connections posting 4 MiB envelopes from G22 to H41 back to back, bounded in count and time. */
    private static final class Attack {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicInteger sent = new AtomicInteger();
        final AtomicInteger stored = new AtomicInteger();
        final AtomicInteger refused = new AtomicInteger();
        final AtomicInteger other = new AtomicInteger();
        final List<Thread> threads = new ArrayList<>();

        void start() {
            byte[] payload = new byte[DOCUMENT_BYTES];
            new Random(14).nextBytes(payload);
            // Sealed and encoded beforehand: the attacker's own work would otherwise share these two cores.
            List<byte[]> wires = java.util.stream.IntStream.range(0, MAX_ATTACK_REQUESTS)
                    .mapToObj(i -> EnvelopeCodec.encode(seal(payload))).toList();
            Instant end = Instant.now().plus(MAX_ATTACK);
            for (int i = 0; i < ATTACKERS; i++) {
                threads.add(Thread.ofPlatform().name("attacker-" + i).start(() -> {
                    try (HttpClient client = attackerClient()) {
                        int next;
                        while (running.get() && Instant.now().isBefore(end)
                                && (next = sent.getAndIncrement()) < MAX_ATTACK_REQUESTS) {
                            int status = post(client, wires.get(next)).statusCode();
                            (status == 200 ? stored : status == 507 ? refused : other).incrementAndGet();
                        }
                    } catch (Exception e) {
                        other.incrementAndGet();
                    }
                }));
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread thread : threads) {
                thread.join(Duration.ofSeconds(60));
            }
        }

        @Override
        public String toString() {
            return Math.min(sent.get(), MAX_ATTACK_REQUESTS) + " envelopes of " + (DOCUMENT_BYTES >> 20) + " MiB sent, "
                    + stored + " stored, " + refused + " refused 507, " + other + " other";
        }
    }

    /** H41's document system polling its inbox listing, with b's readiness and heap read each time. */
    private static final class Poll {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicInteger polls = new AtomicInteger();
        final AtomicInteger maxListed = new AtomicInteger();
        final AtomicLong maxBytes = new AtomicLong();
        final AtomicLong slowestMillis = new AtomicLong();
        final AtomicLong maxHeap = new AtomicLong();
        final AtomicInteger heapReads = new AtomicInteger();
        final List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread thread;

        void start() {
            thread = Thread.ofPlatform().name("h41-poll").start(() -> {
                try (HttpClient client = HttpClient.newBuilder().sslContext(h41.sslContext()).build()) {
                    while (running.get()) {
                        long started = System.nanoTime();
                        HttpResponse<String> listing = client.send(HttpRequest.newBuilder(
                                URI.create("https://localhost:" + bApiPort + "/api/v1/inbox?limit=1000")).build(),
                                HttpResponse.BodyHandlers.ofString());
                        slowestMillis.accumulateAndGet((System.nanoTime() - started) / 1_000_000, Math::max);
                        if (listing.statusCode() != 200) {
                            failures.add("listing " + listing.statusCode() + ": " + listing.body());
                        }
                        int listed = com.fasterxml.jackson.databind.json.JsonMapper.builder().build()
                                .readTree(listing.body()).path("messages").size();
                        maxListed.accumulateAndGet(listed, Math::max);
                        maxBytes.accumulateAndGet(listing.body().getBytes(StandardCharsets.UTF_8).length, Math::max);
                        polls.incrementAndGet();
                        HttpResponse<String> ready = plain.send(HttpRequest.newBuilder(bOps.resolve("/health/ready"))
                                .build(), HttpResponse.BodyHandlers.ofString());
                        if (ready.statusCode() != 200) {
                            failures.add("ready " + ready.statusCode() + ": " + ready.body());
                        }
                        maxHeap.accumulateAndGet(heapUsed(), Math::max);
                        heapReads.incrementAndGet();
                        Thread.sleep(100);
                    }
                } catch (Exception e) {
                    failures.add("poll failed: " + e);
                }
            });
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(Duration.ofSeconds(60));
        }
    }

    private static Envelope seal(byte[] payload) {
        EnvelopeHeader header = EnvelopeHeader.of(UUID.randomUUID().toString(), G22, List.of(H41), Instant.now(),
                "application/octet-stream", payload);
        return new EnvelopeSealer(new CmsSigner(attacker.provider())).seal(header, payload,
                attacker.key(Tenant.keyAliasOf(G22)).orElseThrow());
    }

    /** A client with a's TLS key, which b's directory pins for G22. */
    private static HttpClient attackerClient() {
        TokenKey tls = attacker.key("tls").orElseThrow();
        return HttpClient.newBuilder()
                .sslContext(JsseContexts.client(tls, new PinnedServerTrustManager(() -> List.of(ca.root()), bPin)))
                .sslParameters(JsseContexts.clientParameters())
                .build();
    }

    private static HttpResponse<Void> post(HttpClient client, byte[] envelope) throws Exception {
        return client.send(HttpRequest.newBuilder(bAxis.resolve(EnvelopeReceiver.PATH))
                .header(EnvelopeReceiver.RECIPIENT_HEADER, H41)
                .POST(HttpRequest.BodyPublishers.ofByteArray(envelope))
                .build(), HttpResponse.BodyHandlers.discarding());
    }

    private static Path config(String name, SoftHsmTestToken token, int api, int axis, int ops) throws Exception {
        Path home = Files.createDirectories(dir.resolve(name));
        Path config = home.resolve("config.yaml");
        Files.writeString(config, """
                appliance:
                  name: %s
                listeners:
                  api:  { host: 127.0.0.1, port: %d }
                  axis: { host: 127.0.0.1, port: %d }
                  ops:  { host: 127.0.0.1, port: %d }
                storage:
                  path: data
                  map-size-mib: 256
                hsm:
                  library: %s
                  token-label: %s
                  pin: file:%s
                forwarder:
                  initial-backoff-millis: 100
                  max-backoff-millis: 1000
                  request-timeout-millis: 10000
                """.formatted(name, api, axis, ops, TokenConfig.SOFTHSM2_LIBRARY, token.label(), token.pinFile()));
        return config;
    }

    /** {@code lienthong provision --config CONFIG …} in this JVM, before the appliance opens its store. */
    private static void cli(Path config, List<String> arguments) {
        List<String> all = new ArrayList<>(List.of("provision", "--config", config.toString()));
        all.addAll(arguments);
        StringWriter err = new StringWriter();
        CommandLine commandLine = Lienthong.commandLine();
        commandLine.setErr(new PrintWriter(err));
        commandLine.setOut(new PrintWriter(new StringWriter()));
        assertEquals(0, commandLine.execute(all.toArray(String[]::new)), String.join(" ", all) + ": " + err);
    }

    private static DocumentSystemClient client(ApplianceSetup.Result setup, String organ, int port) {
        ApplianceSetup.DmsIdentity dms = setup.documentSystems().get(organ);
        return new DocumentSystemClient(URI.create("https://localhost:" + port), dms.key(), dms.certificate(), ca.root());
    }

    private static void awaitReady() throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        while (Instant.now().isBefore(deadline)) {
            assertTrue(b.isAlive(), "b exited: " + tail());
            try {
                if (plain.send(HttpRequest.newBuilder(bOps.resolve("/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("b was not ready in 90 s: " + tail());
    }

    /** The sum of b's metric samples whose labels contain {@code labelPart}. */
    private static double metric(String name, String labelPart) throws Exception {
        String text = plain.send(HttpRequest.newBuilder(bOps.resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        double sum = 0;
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$").matcher(text);
        while (m.find()) {
            if (m.group(1) == null ? labelPart.isEmpty() : m.group(1).contains(labelPart)) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }

    private static long heapUsed() throws Exception {
        String text = plain.send(HttpRequest.newBuilder(bOps.resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = HEAP_USED.matcher(text);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : Long.MAX_VALUE;
    }

    private static String tail() {
        try {
            String log = Files.readString(bLog);
            return log.substring(Math.max(0, log.length() - 4000));
        } catch (java.io.IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
