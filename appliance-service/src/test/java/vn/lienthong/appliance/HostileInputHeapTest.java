package vn.lienthong.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.appliance.cli.JvmLauncher;
import vn.lienthong.appliance.demo.ApplianceSetup;
import vn.lienthong.appliance.demo.ApplianceSetup.TenantSpec;
import vn.lienthong.appliance.demo.DemoCa;
import vn.lienthong.appliance.demo.DocumentSystemClient;
import vn.lienthong.appliance.demo.DocumentSystemClient.Answer;
import vn.lienthong.hsm.testing.SoftHsmTestToken;

/**
 * Every hostile input of the parser's fuzz corpus, and bodies of 200 MB streamed as they are
 * generated, posted to a real appliance that runs as a child process with a 128 MiB heap: each is
 * refused with a 4xx problem, the appliance stays up and ready, and its heap (read from its own
 * /metrics while the bodies stream) stays under the bound. The child exits on an OutOfMemoryError,
 * so buffering a body whole would fail the test.
 */
class HostileInputHeapTest {

    static final String G22 = "000.00.00.G22";
    static final String H41 = "000.00.00.H41";
    static final String H14 = "000.00.00.H14";
    static final long HEAP_BOUND = 128L * 1024 * 1024;
    static final long LARGE = 200L * 1000 * 1000;
    static final Path CORPUS = Path.of("src/test/resources/vn/lienthong/appliance/edxml/EdxmlDocumentFuzzTestInputs"
            + "/parseReturnsADocumentOrRejectsIt");
    static final Pattern HEAP_USED = Pattern.compile("^jvm_memory_used_bytes\\{area=\"heap\"} (\\S+)$",
            Pattern.MULTILINE);

    @TempDir
    static Path dir;
    static SoftHsmTestToken token;
    static DemoCa ca;
    static TestAppliance appliance;
    static Process child;
    static Path log;
    static URI ops;
    static int apiPort;
    static DocumentSystemClient g22;
    static final HttpClient plain = HttpClient.newHttpClient();

    @BeforeAll
    static void startTheApplianceAsAChildWithASmallHeap() throws Exception {
        token = SoftHsmTestToken.create("hostile");
        ca = DemoCa.create("test CA");
        Path root = dir.resolve("root.pem");
        Files.writeString(root, DemoCa.pem(ca.root()));
        appliance = TestAppliance.provision("hostile", dir, token, ca, root,
                List.of(new TenantSpec(G22, "Văn phòng Chính phủ", "ecp256")));
        int api = freePort();
        apiPort = api;
        int opsPort = freePort();
        String config = Files.readString(appliance.config)
                .replace("api:  { host: 127.0.0.1, port: 0 }", "api:  { host: 127.0.0.1, port: " + api + " }")
                .replace("ops:  { host: 127.0.0.1, port: 0 }", "ops:  { host: 127.0.0.1, port: " + opsPort + " }");
        Files.writeString(appliance.config, config);
        // The recipients are routable (to a port nobody listens on): a valid document is taken, not refused.
        Path directory = dir.resolve("directory.json");
        Files.writeString(directory, ApplianceSetup.directoryJson(List.of(
                new ApplianceSetup.Route(H41, "https://127.0.0.1:" + freePort(), appliance.setup.tlsCertificateSha256()),
                new ApplianceSetup.Route(H14, "https://127.0.0.1:" + freePort(), appliance.setup.tlsCertificateSha256()))));
        TestAppliance.cli(appliance.config, List.of("directory", "import", directory.toString()));

        ProcessBuilder builder = new JvmLauncher().builder(Map.of(),
                List.of("serve", "--config", appliance.config.toString()));
        List<String> command = builder.command();
        // The child's own flags go after the inherited ones, so that they win.
        command.addAll(command.indexOf("-cp"), List.of("-Xmx128m", "-XX:+ExitOnOutOfMemoryError"));
        log = dir.resolve("child.log");
        child = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ops = URI.create("http://127.0.0.1:" + opsPort);
        awaitReady(Duration.ofSeconds(60));
        ApplianceSetup.DmsIdentity dms = appliance.setup.documentSystems().get(G22);
        g22 = new DocumentSystemClient(URI.create("https://localhost:" + api), dms.key(), dms.certificate(), ca.root());
    }

    @AfterAll
    static void stop() throws Exception {
        if (g22 != null) {
            g22.close();
        }
        if (child != null) {
            child.destroy();
            child.waitFor();
            Files.copy(log, Path.of("target/HostileInputHeapTest-child.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        if (token != null) {
            token.close();
        }
    }

    @Test
    void refusesEveryHostileInputWithA4xxProblemWhileTheHeapStaysBounded() throws Exception {
        HeapWatch heap = new HeapWatch();
        heap.start();
        try {
            List<String> hostile;
            try (Stream<Path> seeds = Files.list(CORPUS)) {
                hostile = seeds.map(p -> p.getFileName().toString())
                        .filter(name -> !name.startsWith("golden-") && !name.equals("status")
                                && !name.equals("huge-base64"))
                        .sorted().toList();
            }
            assertTrue(hostile.size() >= 8, "the corpus has its hostile seeds: " + hostile);
            for (String seed : hostile) {
                refused(seed, g22.submit(Files.readAllBytes(CORPUS.resolve(seed))), 400);
            }

            // huge-base64 is huge for the fuzz test's small limits; here it is scaled past the appliance's.
            String seed = Files.readString(CORPUS.resolve("huge-base64"));
            int open = seed.indexOf("<edXML:ContentTransferEncoded>") + "<edXML:ContentTransferEncoded>".length();
            int close = seed.indexOf("</edXML:ContentTransferEncoded>");
            refused("huge-base64 with 200 MB of base64, streamed", streamed(
                    new Generated(seed.substring(0, open), "AAAA", LARGE, seed.substring(close))), 400);

            // 200 MB of nesting, streamed: refused at the depth limit, long before the end.
            String nested = "<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">";
            refused("200 MB of nested elements, streamed", streamed(new Generated(nested, "<a>", LARGE, "")), 400);

            // A valid document padded with 200 MB of whitespace: only its size is wrong.
            String golden = Files.readString(CORPUS.resolve("golden-document-new-with-attachment"));
            refused("a valid document and 200 MB of whitespace, streamed",
                    streamed(new Generated(golden, "    ", LARGE, "")), 413);

            // 200 MB announced by Content-Length: refused before any of it is sent.
            refused("200 MB announced by Content-Length", g22.submit(HttpRequest.BodyPublishers.fromPublisher(
                    HttpRequest.BodyPublishers.ofInputStream(() -> new Generated(nested, "<a>", LARGE, "")),
                    nested.length() + LARGE)), 413);
        } finally {
            heap.stop();
        }

        assertTrue(child.isAlive(), "the appliance is still running: " + tail());
        HttpResponse<String> ready = plain.send(HttpRequest.newBuilder(ops.resolve("/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode(), ready.body());
        // ... and still takes a valid document after all that.
        Answer valid = g22.submit(Files.readAllBytes(CORPUS.resolve("golden-document-new-with-attachment")));
        assertEquals(202, valid.status(), valid.text());
        long now = heapUsed();
        System.out.printf("HostileInputHeapTest: child heap used at most %d MiB over %d reads, %d MiB now (-Xmx128m)%n",
                heap.max.get() >> 20, heap.samples.get(), now >> 20);
        assertTrue(heap.samples.get() >= 3, "the heap was read while the bodies streamed");
        assertTrue(heap.max.get() < HEAP_BOUND && now < HEAP_BOUND,
                "heap used " + heap.max.get() + " at most, " + now + " now, bound " + HEAP_BOUND);
        String output = Files.readString(log);
        assertFalse(output.contains("OutOfMemoryError"), output);
    }

    private static void refused(String what, Answer answer, int status) {
        assertEquals(status, answer.status(), what + ": " + answer.text());
        assertEquals("application/problem+json", answer.contentType(), what);
        assertTrue(answer.json().path("type").asText().startsWith("urn:lienthong:problem:"), what + ": " + answer.text());
        assertTrue(child.isAlive(), what + " killed the appliance: " + tail());
    }

    /**
     * Posts the body chunked over its own TLS connection (the DMS certificate), reading the answer
     * while a second thread still sends, as a client that streams a large upload must: the appliance
     * answers as soon as it refuses and stops reading soon after.
     */
    static Answer streamed(InputStream body) throws Exception {
        URI api = URI.create("https://localhost:" + apiPort);
        try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) g22.sslContext().getSocketFactory()
                .createSocket("localhost", apiPort)) {
            socket.setSoTimeout(60_000);
            javax.net.ssl.SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            java.io.OutputStream out = socket.getOutputStream();
            out.write(("POST /api/v1/outbox HTTP/1.1\r\nHost: " + api.getAuthority() + "\r\nContent-Type: application/xml"
                    + "\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            Thread sender = Thread.ofPlatform().daemon().name("sender").start(() -> {
                byte[] chunk = new byte[64 * 1024];
                try (body) {
                    int n;
                    while ((n = body.read(chunk, 0, chunk.length)) > 0) {
                        out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(chunk, 0, n);
                        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException e) {
                    // the appliance stopped reading: expected once it has answered
                }
            });
            InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
            String status = line(in);
            int contentLength = 0;
            String contentType = "";
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                String name = header.substring(0, header.indexOf(':')).trim().toLowerCase(java.util.Locale.ROOT);
                String value = header.substring(header.indexOf(':') + 1).trim();
                if (name.equals("content-length")) {
                    contentLength = Integer.parseInt(value);
                } else if (name.equals("content-type")) {
                    contentType = value;
                }
            }
            byte[] answer = in.readNBytes(contentLength);
            socket.close();
            sender.join(10_000);
            return new Answer(Integer.parseInt(status.split(" ")[1]), contentType, answer);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("the connection closed before the answer ended: " + line);
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    /** Reads the child's heap from its /metrics every 200 ms, keeping the most seen. */
    static final class HeapWatch {
        final AtomicLong max = new AtomicLong();
        final AtomicLong samples = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private Thread thread;

        void start() {
            thread = Thread.ofPlatform().daemon().name("heap-watch").start(() -> {
                while (running.get()) {
                    try {
                        max.accumulateAndGet(heapUsed(), Math::max);
                        samples.incrementAndGet();
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        // the child is busy; the next read counts
                    }
                }
            });
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }

    /** The sum of jvm_memory_used_bytes{area="heap"} over the child's heap pools (one line here). */
    static long heapUsed() throws IOException, InterruptedException {
        String metrics = plain.send(HttpRequest.newBuilder(ops.resolve("/metrics")).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = HEAP_USED.matcher(metrics);
        if (!m.find()) {
            fail("no jvm_memory_used_bytes{area=\"heap\"} in /metrics");
        }
        return (long) Double.parseDouble(m.group(1));
    }

    /** A body made as it is read: prefix, then unit repeated for about {@code bytes}, then suffix. */
    static final class Generated extends InputStream {
        private final byte[] prefix;
        private final byte[] unit;
        private final byte[] suffix;
        private final long repeatedBytes;
        private long position;

        Generated(String prefix, String unit, long bytes, String suffix) {
            this.prefix = prefix.getBytes(StandardCharsets.UTF_8);
            this.unit = unit.getBytes(StandardCharsets.UTF_8);
            this.suffix = suffix.getBytes(StandardCharsets.UTF_8);
            this.repeatedBytes = bytes / this.unit.length * this.unit.length;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            long total = prefix.length + repeatedBytes + suffix.length;
            if (position >= total) {
                return -1;
            }
            int n = 0;
            while (n < len && position < total) {
                long p = position;
                if (p < prefix.length) {
                    b[off + n] = prefix[(int) p];
                } else if (p < prefix.length + repeatedBytes) {
                    b[off + n] = unit[(int) ((p - prefix.length) % unit.length)];
                } else {
                    b[off + n] = suffix[(int) (p - prefix.length - repeatedBytes)];
                }
                n++;
                position++;
            }
            return n;
        }
    }

    private static void awaitReady(Duration timeout) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!child.isAlive()) {
                fail("the appliance exited " + child.exitValue() + ": " + tail());
            }
            try {
                if (plain.send(HttpRequest.newBuilder(ops.resolve("/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        fail("the appliance was not ready in " + timeout + ": " + tail());
    }

    private static String tail() {
        try {
            List<String> lines = new ArrayList<>(Files.readAllLines(log));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
