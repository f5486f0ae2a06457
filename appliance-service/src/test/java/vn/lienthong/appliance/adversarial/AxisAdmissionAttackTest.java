package vn.lienthong.appliance.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.appliance.TestAppliance;
import vn.lienthong.appliance.cli.JvmLauncher;
import vn.lienthong.appliance.demo.ApplianceSetup;
import vn.lienthong.appliance.demo.ApplianceSetup.TenantSpec;
import vn.lienthong.appliance.demo.DemoCa;
import vn.lienthong.appliance.demo.DocumentSystemClient;
import vn.lienthong.appliance.demo.DocumentSystemClient.Answer;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.hsm.testing.SoftHsmTestToken;

/**
 * Attacks on a real appliance's axis listener (appliance b, a child process with a 256 MiB heap, its own
 * SoftHSM2 token and LMDB store) while appliance a's tenant keeps sending documents to b's tenant over the axis:
 * a flood of bogus envelopes from a certificate that chains to the trusted CA but is pinned nowhere, slow-body
 * clients holding hundreds of connections, and a stream flood on one HTTP/2 connection from a pinned peer. In
 * each, legitimate documents keep at least half their rate, refusals do not grow the store, the heap stays
 * bounded and /health/ready stays 200 ({@link AttackHarness}). Loopback only; every attack stops by itself.
 */
class AxisAdmissionAttackTest {

    static final String G22 = "000.00.00.G22";
    /** A tenant of a whose document system's certificate b's directory pins as an appliance: a compromised peer. */
    static final String G23 = "000.00.00.G23";
    static final String H41 = "000.00.00.H41";
    static final long HEAP_MAX = 256L * 1024 * 1024;
    static final Duration WINDOW = Duration.ofSeconds(8);
    static final Duration ALONE = Duration.ofSeconds(4);
    /** No attack runs longer than this, whatever happens to the test. */
    static final Duration ATTACK_BOUND = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    static SoftHsmTestToken tokenA;
    static SoftHsmTestToken tokenB;
    static DemoCa ca;
    static TestAppliance a;
    static TestAppliance b;
    static Process child;
    static Path childLog;
    static InetSocketAddress bAxis;
    static DocumentSystemClient g22;
    static AttackHarness harness;

    @BeforeAll
    static void startTwoAppliancesTheSecondAsAChildWithABoundedHeap() throws Exception {
        tokenA = SoftHsmTestToken.create("attack-a");
        tokenB = SoftHsmTestToken.create("attack-b");
        ca = DemoCa.create("test CA");
        Path root = dir.resolve("root.pem");
        Files.writeString(root, DemoCa.pem(ca.root()));
        a = TestAppliance.provision("a", dir, tokenA, ca, root, List.of(
                new TenantSpec(G22, "Văn phòng Chính phủ", "ecp256"), new TenantSpec(G23, "Bộ Thử nghiệm", "ecp256")));
        b = TestAppliance.provision("b", dir, tokenB, ca, root, List.of(new TenantSpec(H41, "UBND tỉnh Nghệ An", "ecp256")));
        int aAxis = fixPorts(a, freePort(), freePort(), freePort());
        int bApi = freePort();
        int bOps = freePort();
        int bAxisPort = fixPorts(b, bApi, freePort(), bOps);
        bAxis = new InetSocketAddress("127.0.0.1", bAxisPort);

        Path directory = dir.resolve("directory.json");
        Files.writeString(directory, ApplianceSetup.directoryJson(List.of(
                new ApplianceSetup.Route(G22, "https://127.0.0.1:" + aAxis, a.setup.tlsCertificateSha256()),
                new ApplianceSetup.Route(G23, "https://127.0.0.1:" + aAxis,
                        Pem.sha256Fingerprint(a.setup.documentSystems().get(G23).certificate())),
                new ApplianceSetup.Route(H41, "https://127.0.0.1:" + bAxisPort, b.setup.tlsCertificateSha256()))));
        for (TestAppliance appliance : List.of(a, b)) {
            TestAppliance.cli(appliance.config, List.of("directory", "import", directory.toString()));
        }

        ProcessBuilder builder = new JvmLauncher().builder(Map.of(), List.of("serve", "--config", b.config.toString()));
        List<String> command = builder.command();
        command.addAll(command.indexOf("-cp"), List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"));
        childLog = dir.resolve("b.log");
        child = builder.redirectErrorStream(true).redirectOutput(childLog.toFile()).start();
        a.start();
        g22 = a.documentSystem(G22, ca);

        harness = new AttackHarness(URI.create("http://127.0.0.1:" + bOps), HEAP_MAX,
                AxisAdmissionAttackTest::deliverOneDocument, 2);
        Instant deadline = Instant.now().plusSeconds(90);
        while (!readyQuietly()) {
            assertTrue(child.isAlive() && Instant.now().isBefore(deadline), "b did not become ready: " + tail());
            Thread.sleep(200);
        }
        // Connections made and code warmed up before anything is measured.
        for (int i = 0; i < 3; i++) {
            deliverOneDocument();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        TestAppliance.closeAll(g22, a);
        if (child != null) {
            child.destroy();
            child.waitFor();
            Files.copy(childLog, Path.of("target/AxisAdmissionAttackTest-b.log"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        TestAppliance.closeAll(tokenA, tokenB);
    }

    @Test
    void aFloodOfBogusEnvelopesFromAnUnpinnedCertificateIsRefusedInTheHandshake() throws Exception {
        ApplianceSetup.DmsIdentity unpinned = a.setup.documentSystems().get(G22);
        SSLContext tls = RawTls.client(unpinned.key(), unpinned.certificate());
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        double unpinnedBefore = harness.metric("lienthong_tls_handshakes_total", "outcome=\"unpinned\"");

        AttackHarness.Report report = harness.measure("unpinned flood", () -> loop(2, 20_000, () -> {
            try (SSLSocket socket = RawTls.open(tls, "127.0.0.2", bAxis, "http/1.1", 5_000)) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /axis/v1/envelopes HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\n"
                        + "Lienthong-Recipient: " + H41 + "\r\nContent-Length: 2\r\n\r\n{}")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                if (socket.getInputStream().read() >= 0) {
                    answered.incrementAndGet();
                } else {
                    refused.incrementAndGet();
                }
            } catch (IOException e) {
                refused.incrementAndGet();
            }
        }), WINDOW, ALONE);

        System.out.println("unpinned flood: " + refused + " connections refused in the handshake, " + answered
                + " answered");
        report.assertHeld();
        assertEquals(0, answered.get(), "an unpinned client got an HTTP answer");
        assertTrue(refused.get() > 0, "the flood made no attempt");
        double unpinnedNow = harness.metric("lienthong_tls_handshakes_total", "outcome=\"unpinned\"");
        assertTrue(unpinnedNow - unpinnedBefore >= refused.get() / 2.0,
                "refusals counted as unpinned handshakes: " + (unpinnedNow - unpinnedBefore) + " of " + refused);
    }

    @Test
    void slowBodyClientsHoldingHundredsOfConnectionsAreCutOffWith408() throws Exception {
        SSLContext pinned = pinnedPeer();
        AtomicInteger cutOff = new AtomicInteger();
        AtomicInteger other = new AtomicInteger();
        AtomicInteger open = new AtomicInteger();
        AtomicInteger mostOpen = new AtomicInteger();
        List<String> sources = List.of("127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6");
        AtomicInteger next = new AtomicInteger();

        AttackHarness.Report report = harness.measure("slow bodies", () -> loop(200, 5_000, () -> {
            int n = next.getAndIncrement();
            String source = sources.get(n % sources.size());
            // Half trickle their headers (the classic slowloris), half a body announced as a megabyte.
            boolean slowHeaders = (n / sources.size()) % 2 == 0;
            try (SSLSocket socket = RawTls.open(pinned, source, bAxis, "http/1.1", 1_000)) {
                mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
                try {
                    OutputStream out = socket.getOutputStream();
                    out.write(("POST /axis/v1/envelopes HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\n"
                            + (slowHeaders ? "X-Slow: " : "Content-Length: 1048576\r\n\r\n"))
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    String status = trickleUntilAnswered(socket);
                    (status.startsWith("HTTP/1.1 408") ? cutOff : other).incrementAndGet();
                } finally {
                    open.decrementAndGet();
                }
            } catch (IOException e) {
                other.incrementAndGet();
            }
            // Cut off, it comes back: hundreds of connections, and not a handshake flood as well.
            pause(Duration.ofSeconds(4));
        }), WINDOW, ALONE);

        System.out.println("slow bodies: " + mostOpen + " connections held at most, " + cutOff + " cut off with 408, "
                + other + " other ends");
        report.assertHeld();
        assertTrue(cutOff.get() >= 200, "hundreds of slow bodies cut off with 408: " + cutOff + ", other ends: "
                + other);
    }

    @Test
    void aStreamFloodOnOneHttp2ConnectionIsHeldToTheStreamLimit() throws Exception {
        SSLContext pinned = pinnedPeer();
        AtomicLong advertised = new AtomicLong(-1);
        AtomicInteger refusedStreams = new AtomicInteger();
        AtomicInteger answers = new AtomicInteger();
        AtomicInteger opened = new AtomicInteger();

        AttackHarness.Report report = harness.measure("stream flood", () -> loop(1, 50, () -> {
            try (SSLSocket socket = RawTls.open(pinned, "127.0.0.7", bAxis, "h2", 10_000);
                 RawHttp2 h2 = new RawHttp2(socket)) {
                AtomicBoolean connected = new AtomicBoolean(true);
                Thread reader = Thread.ofPlatform().daemon().start(() -> {
                    try {
                        while (connected.get()) {
                            RawHttp2.Frame frame = h2.read();
                            switch (frame.type()) {
                                case RawHttp2.SETTINGS -> {
                                    if ((frame.flags() & 1) == 0) {
                                        advertised.compareAndSet(-1,
                                                frame.setting(RawHttp2.SETTINGS_MAX_CONCURRENT_STREAMS));
                                        h2.acknowledgeSettings();
                                    }
                                }
                                case RawHttp2.RST_STREAM -> {
                                    if (frame.errorCode() == RawHttp2.REFUSED_STREAM) {
                                        refusedStreams.incrementAndGet();
                                    }
                                }
                                case RawHttp2.HEADERS -> answers.incrementAndGet();
                                case RawHttp2.GOAWAY -> connected.set(false);
                                default -> { }
                            }
                        }
                    } catch (IOException e) {
                        connected.set(false);
                    }
                });
                // Streams that announce a body and never send it, as fast as the socket takes them.
                for (int stream = 1; connected.get() && stream < 40_000 && !Thread.currentThread().isInterrupted();
                     stream += 2) {
                    h2.headers(stream, Map.of(":method", "POST", ":scheme", "https", ":authority", "b",
                            ":path", "/axis/v1/envelopes", "content-type", "application/json",
                            "content-length", "1048576"), false);
                    opened.incrementAndGet();
                    if (stream % 64 == 1) {
                        pause(Duration.ofMillis(50));
                    }
                }
                connected.set(false);
                reader.interrupt();
            } catch (IOException e) {
                // The server ended the connection; the next round opens another.
            }
        }), WINDOW, ALONE);

        System.out.println("stream flood: " + opened + " streams opened, " + refusedStreams + " refused, " + answers
                + " answered");
        report.assertHeld();
        assertEquals(32, advertised.get(), "SETTINGS_MAX_CONCURRENT_STREAMS");
        assertTrue(refusedStreams.get() > 0, "streams beyond the limit refused: " + refusedStreams + " of " + opened);
    }

    /**
     * Sends a byte each time the read timeout passes without an answer, until the server answers; returns its
     * status line ("" if it only closed).
     */
    private static String trickleUntilAnswered(SSLSocket socket) throws IOException {
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        Instant giveUp = Instant.now().plusSeconds(20);
        byte[] answer = new byte[12];
        while (Instant.now().isBefore(giveUp)) {
            out.write('x');
            out.flush();
            try {
                int n = in.readNBytes(answer, 0, answer.length);
                return new String(answer, 0, n, StandardCharsets.US_ASCII);
            } catch (SocketTimeoutException e) {
                // No answer yet: one more byte.
            }
        }
        return "";
    }

    /** The compromised peer: G23's document-system certificate, pinned in b's directory as G23's appliance. */
    private static SSLContext pinnedPeer() {
        ApplianceSetup.DmsIdentity peer = a.setup.documentSystems().get(G23);
        return RawTls.client(peer.key(), peer.certificate());
    }

    /** One legitimate document from G22 (on a) to H41 (on b), waited for until b has given its receipt. */
    private static void deliverOneDocument() throws Exception {
        Answer submitted = g22.submit(TestAppliance.edxml(G22, List.of(H41), "Công văn trong lúc bị tấn công"));
        assertEquals(202, submitted.status(), submitted.text());
        String id = submitted.json().path("id").asText();
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            if (g22.outboxStatus(id).json().path("delivered").asBoolean()) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("document " + id + " not delivered in 60 s");
    }

    /** Interruptible, checked work for an attacker's loop. */
    private interface Round {
        void run() throws Exception;
    }

    /**
     * Runs {@code round} on {@code threads} platform threads, each at most {@code rounds} times and for at most
     * {@link #ATTACK_BOUND}, until the handle is closed.
     */
    private static AutoCloseable loop(int threads, int rounds, Round round) {
        AtomicBoolean running = new AtomicBoolean(true);
        long deadline = System.nanoTime() + ATTACK_BOUND.toNanos();
        List<Thread> attackers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            // Platform threads: an attacker is another machine, it must not queue for the carriers of the
            // virtual threads that appliance a (in this JVM) serves its document system with.
            attackers.add(Thread.ofPlatform().daemon().name("attacker-" + i).start(() -> {
                for (int n = 0; n < rounds && running.get() && System.nanoTime() < deadline; n++) {
                    try {
                        round.run();
                    } catch (Exception e) {
                        if (!running.get()) {
                            return;
                        }
                    }
                }
            }));
        }
        return () -> {
            running.set(false);
            for (Thread attacker : attackers) {
                attacker.interrupt();
            }
            for (Thread attacker : attackers) {
                attacker.join(10_000);
            }
        };
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean readyQuietly() {
        try {
            return harness.ready();
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Gives the appliance fixed loopback ports (api, axis, ops); returns the axis port. */
    private static int fixPorts(TestAppliance appliance, int api, int axis, int ops) throws IOException {
        Files.writeString(appliance.config, Files.readString(appliance.config)
                .replace("api:  { host: 127.0.0.1, port: 0 }", "api:  { host: 127.0.0.1, port: " + api + " }")
                .replace("axis: { host: 127.0.0.1, port: 0 }", "axis: { host: 127.0.0.1, port: " + axis + " }")
                .replace("ops:  { host: 127.0.0.1, port: 0 }", "ops:  { host: 127.0.0.1, port: " + ops + " }"));
        return axis;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String tail() {
        try {
            String log = Files.readString(childLog);
            return log.substring(Math.max(0, log.length() - 2000));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
