package vn.lienthong.appliance.axis.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import vn.lienthong.appliance.adversarial.RawHttp2;
import vn.lienthong.appliance.adversarial.RawTls;
import vn.lienthong.appliance.admission.ListenerLimits;
import vn.lienthong.appliance.tls.AnchorTrustManager;
import vn.lienthong.appliance.tls.HandshakeSigners;
import vn.lienthong.appliance.tls.PeerNotPinnedException;
import vn.lienthong.appliance.tls.TestPki;
import vn.lienthong.appliance.tls.TlsHandshakeListener;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;

/**
 * Each admission limit of the axis listener, alone, against a real server (BoringSSL, key in SoftHSM2) on
 * loopback: connections per address and in all, the header timeout, the minimum body rate, requests in progress
 * counted before the body, HTTP/2 streams per connection, the pin check in the handshake and the handshake
 * signers' wait.
 */
class AxisAdmissionTest {

    private static SoftHsmTestToken softHsm;
    private static Token token;
    private static TestPki pki;
    private static TokenKey serverKey;
    private static TokenKey pinnedClient;
    private static TokenKey unpinnedClient;

    private final BlockingQueue<TlsHandshakeListener.Outcome> handshakes = new LinkedBlockingQueue<>();
    private final AtomicInteger handled = new AtomicInteger();
    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeAll
    static void makeKeys() {
        softHsm = SoftHsmTestToken.create("admission");
        token = Token.open(softHsm.config());
        pki = TestPki.create("Admission Test Root");
        serverKey = pki.issueInToken(token, "tls", KeyAlgorithm.EC_P256, "appliance-b", TestPki.Role.SERVER_AND_CLIENT);
        pinnedClient = pki.softwareKey("appliance-a", TestPki.Role.SERVER_AND_CLIENT);
        unpinnedClient = pki.softwareKey("some agency", TestPki.Role.CLIENT);
    }

    @AfterAll
    static void closeToken() {
        if (token != null) {
            token.close();
        }
        softHsm.close();
    }

    @AfterEach
    void closeWhatWasOpened() throws Exception {
        for (AutoCloseable each : opened.reversed()) {
            each.close();
        }
    }

    private AxisServer start(ListenerLimits limits, AxisHandler handler) {
        return start(limits, handler, HandshakeSigners.withDefaults());
    }

    private AxisServer start(ListenerLimits limits, AxisHandler handler, HandshakeSigners signers) {
        opened.add(signers);
        String pin = Pem.sha256Fingerprint(pinnedClient.certificate());
        AnchorTrustManager pinnedOnly = new AnchorTrustManager(() -> List.of(pki.certificate()), chain -> {
            if (!Pem.sha256Fingerprint(chain[0]).equals(pin)) {
                throw new PeerNotPinnedException("not pinned");
            }
        });
        AxisServer server = AxisServer.start(AxisServerSettings.of("127.0.0.1", 0).withLimits(limits), serverKey,
                pinnedOnly, handler, handshakes::add, signers);
        opened.add(server);
        return server;
    }

    private AxisResponse ok(AxisRequest request) {
        handled.incrementAndGet();
        return AxisResponse.of(200, "text/plain", "ok".getBytes(StandardCharsets.UTF_8));
    }

    private static ListenerLimits limits(int connections, int perAddress, int streams, int requests,
            Duration headerTimeout) {
        return new ListenerLimits(connections, perAddress, streams, requests, headerTimeout, 8192);
    }

    private SSLSocket connect(AxisServer server, TokenKey client, String from, String alpn) throws IOException {
        SSLContext tls = RawTls.client(client.privateKey(), client.certificate());
        SSLSocket socket = RawTls.open(tls, from, new InetSocketAddress("127.0.0.1", server.port()), alpn, 10_000);
        opened.add(socket);
        return socket;
    }

    private TlsHandshakeListener.Outcome nextHandshake() throws InterruptedException {
        TlsHandshakeListener.Outcome outcome = handshakes.poll(30, TimeUnit.SECONDS);
        assertTrue(outcome != null, "the handshake listener was told nothing");
        return outcome;
    }

    /** Sends a request's head on HTTP/1.1 and reads the status line of the answer. */
    private static String statusAfter(SSLSocket socket, String head) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return statusLine(socket.getInputStream());
    }

    private static String statusLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\r'; c = in.read()) {
            line.append((char) c);
        }
        return line.toString();
    }

    private static void assertRefusedByServer(SSLSocket socket) {
        // In TLS 1.3 the client finishes its side first; the server's refusal comes as the first read.
        assertThrows(IOException.class, () -> {
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: b\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            if (socket.getInputStream().read() < 0) {
                throw new IOException("closed");
            }
        });
    }

    @Test
    void refusesAConnectionBeyondThePerAddressLimitBeforeTheHandshakeAndAdmitsAnotherAddress() throws Exception {
        AxisServer server = start(limits(1024, 2, 32, 256, Duration.ofSeconds(10)), this::ok);
        connect(server, pinnedClient, "127.0.0.1", "http/1.1");
        connect(server, pinnedClient, "127.0.0.1", "http/1.1");
        assertInstanceOf(TlsHandshakeListener.Succeeded.class, nextHandshake());
        assertInstanceOf(TlsHandshakeListener.Succeeded.class, nextHandshake());

        assertThrows(IOException.class, () -> connect(server, pinnedClient, "127.0.0.1", "http/1.1"));
        var refused = assertInstanceOf(TlsHandshakeListener.Refused.class, nextHandshake());
        assertEquals("address-limit", refused.outcome());

        SSLSocket elsewhere = connect(server, pinnedClient, "127.0.0.2", "http/1.1");
        assertEquals("HTTP/1.1 200 OK", statusAfter(elsewhere, "GET /x HTTP/1.1\r\nHost: b\r\n\r\n"));
    }

    @Test
    void refusesAConnectionBeyondTheListenersLimit() throws Exception {
        AxisServer server = start(limits(2, 64, 32, 256, Duration.ofSeconds(10)), this::ok);
        connect(server, pinnedClient, "127.0.0.1", "http/1.1");
        connect(server, pinnedClient, "127.0.0.2", "http/1.1");
        nextHandshake();
        nextHandshake();

        assertThrows(IOException.class, () -> connect(server, pinnedClient, "127.0.0.3", "http/1.1"));
        var refused = assertInstanceOf(TlsHandshakeListener.Refused.class, nextHandshake());
        assertEquals("connection-limit", refused.outcome());
    }

    @Test
    void cutsOffHeadersSlowerThanTheHeaderTimeoutWith408() throws Exception {
        AxisServer server = start(limits(1024, 64, 32, 256, Duration.ofSeconds(1)), this::ok);
        SSLSocket socket = connect(server, pinnedClient, "127.0.0.1", "http/1.1");
        long start = System.nanoTime();

        assertEquals("HTTP/1.1 408 Request Timeout", statusAfter(socket, "POST /axis/v1/envelopes HTTP/1.1\r\nHost: b\r\n"));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(900), "cut off before the timeout");
        assertEquals(0, handled.get());
    }

    @Test
    void cutsOffABodySlowerThanTheMinimumRateWith408BeforeTheHandlerSeesIt() throws Exception {
        AxisServer server = start(limits(1024, 64, 32, 256, Duration.ofSeconds(10)), this::ok);
        SSLSocket socket = connect(server, pinnedClient, "127.0.0.1", "http/1.1");
        socket.setSoTimeout(200);
        OutputStream out = socket.getOutputStream();
        out.write("POST /axis/v1/envelopes HTTP/1.1\r\nHost: b\r\nContent-Length: 100000\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        String status = "";
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (status.isEmpty() && System.nanoTime() < giveUp) {
            out.write('x');
            out.flush();
            try {
                status = statusLine(socket.getInputStream());
            } catch (SocketTimeoutException e) {
                // not cut off yet: one more byte
            }
        }
        assertEquals("HTTP/1.1 408 Request Timeout", status);
        assertEquals(0, handled.get());
    }

    @Test
    void answersBusyAtTheHeadersWhenNoPlaceIsFreeWithoutWaitingForTheBody() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch inHandler = new CountDownLatch(1);
        AxisServer server = start(limits(1024, 64, 32, 1, Duration.ofSeconds(10)), request -> {
            inHandler.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ok(request);
        });
        try {
            SSLSocket first = connect(server, pinnedClient, "127.0.0.1", "http/1.1");
            first.getOutputStream().write("GET /x HTTP/1.1\r\nHost: b\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(inHandler.await(30, TimeUnit.SECONDS));

            // A megabyte announced and none of it sent: the answer comes from the headers alone.
            SSLSocket second = connect(server, pinnedClient, "127.0.0.1", "http/1.1");
            assertEquals("HTTP/1.1 503 Service Unavailable", statusAfter(second,
                    "POST /axis/v1/envelopes HTTP/1.1\r\nHost: b\r\nContent-Length: 1048576\r\n\r\n"));
        } finally {
            release.countDown();
        }
    }

    @Test
    void givesBackThePlaceOfEveryRequestCutOffOrAbandonedMidBody() throws Exception {
        AxisServer server = start(limits(1024, 64, 32, 2, Duration.ofSeconds(1)), this::ok);
        String head = "POST /axis/v1/envelopes HTTP/1.1\r\nHost: b\r\nContent-Length: 100000\r\n\r\n";
        for (int i = 0; i < 3; i++) {
            // Abandoned by the client mid-body...
            SSLSocket abandoned = connect(server, pinnedClient, "127.0.0.1", "http/1.1");
            abandoned.getOutputStream().write((head + "xx").getBytes(StandardCharsets.US_ASCII));
            abandoned.getOutputStream().flush();
            abandoned.close();
            // ... or cut off by the server for a body that does not come.
            SSLSocket stalled = connect(server, pinnedClient, "127.0.0.1", "http/1.1");
            assertEquals("HTTP/1.1 408 Request Timeout", statusAfter(stalled, head));
        }
        // Places are given back on the event loop as the connections close: wait for one to answer.
        String status = "";
        for (int attempt = 0; attempt < 50 && !status.equals("HTTP/1.1 200 OK"); attempt++) {
            status = statusAfter(connect(server, pinnedClient, "127.0.0.1", "http/1.1"),
                    "GET /x HTTP/1.1\r\nHost: b\r\n\r\n");
            if (!status.equals("HTTP/1.1 200 OK")) {
                Thread.sleep(100);
            }
        }
        assertEquals("HTTP/1.1 200 OK", status);
        SSLSocket second = connect(server, pinnedClient, "127.0.0.1", "http/1.1");
        assertEquals("HTTP/1.1 200 OK", statusAfter(second, "GET /x HTTP/1.1\r\nHost: b\r\n\r\n"));
    }

    @Test
    void refusesStreamsBeyondTheLimitOnOneHttp2Connection() throws Exception {
        AxisServer server = start(limits(1024, 64, 2, 256, Duration.ofSeconds(10)), this::ok);
        RawHttp2 h2 = new RawHttp2(connect(server, pinnedClient, "127.0.0.1", "h2"));
        long advertised = -1;
        while (advertised < 0) {
            RawHttp2.Frame frame = h2.read();
            if (frame.type() == RawHttp2.SETTINGS && (frame.flags() & 1) == 0) {
                advertised = frame.setting(RawHttp2.SETTINGS_MAX_CONCURRENT_STREAMS);
                h2.acknowledgeSettings();
            }
        }
        assertEquals(2, advertised);

        Map<String, String> request = Map.of(":method", "POST", ":scheme", "https", ":authority", "b",
                ":path", "/axis/v1/envelopes", "content-length", "1000");
        for (int stream = 1; stream <= 5; stream += 2) {
            h2.headers(stream, request, false);
        }
        RawHttp2.Frame reset;
        do {
            reset = h2.read();
        } while (reset.type() != RawHttp2.RST_STREAM);
        assertEquals(5, reset.streamId());
        assertEquals(RawHttp2.REFUSED_STREAM, reset.errorCode());
    }

    @Test
    void cutsOffAnHttp2StreamWhoseBodyDoesNotComeWith408() throws Exception {
        AxisServer server = start(limits(1024, 64, 32, 256, Duration.ofSeconds(10)), this::ok);
        RawHttp2 h2 = new RawHttp2(connect(server, pinnedClient, "127.0.0.1", "h2"));
        h2.headers(1, Map.of(":method", "POST", ":scheme", "https", ":authority", "b",
                ":path", "/axis/v1/envelopes", "content-length", "1000"), false);
        RawHttp2.Frame answer;
        do {
            answer = h2.read();
            if (answer.type() == RawHttp2.SETTINGS && (answer.flags() & 1) == 0) {
                h2.acknowledgeSettings();
            }
        } while (answer.type() != RawHttp2.HEADERS && answer.type() != RawHttp2.RST_STREAM);
        assertEquals(RawHttp2.HEADERS, answer.type(), "the stream was reset without an answer");
        assertEquals(1, answer.streamId());
        var block = io.netty.buffer.Unpooled.wrappedBuffer(answer.payload());
        assertEquals("408", new io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder()
                .decodeHeaders(1, block).status().toString());
        assertEquals(0, handled.get());
    }

    @Test
    void refusesAnUnpinnedClientCertificateInTheHandshake() throws Exception {
        AxisServer server = start(limits(1024, 64, 32, 256, Duration.ofSeconds(10)), this::ok);
        SSLSocket socket;
        try {
            socket = connect(server, unpinnedClient, "127.0.0.1", "http/1.1");
        } catch (IOException e) {
            socket = null;
        }
        if (socket != null) {
            assertRefusedByServer(socket);
        }
        var refused = assertInstanceOf(TlsHandshakeListener.Refused.class, nextHandshake());
        assertEquals("unpinned", refused.outcome());
        assertEquals(0, handled.get());
    }

    @Test
    void dropsAHandshakeThatGetsNoHsmSignerInTime() throws Exception {
        HandshakeSigners one = new HandshakeSigners(1, Duration.ofMillis(300));
        AxisServer server = start(limits(1024, 64, 32, 256, Duration.ofSeconds(10)), this::ok, one);
        CountDownLatch release = new CountDownLatch(1);
        one.submit(() -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new byte[0];
        });
        try {
            assertThrows(IOException.class, () -> connect(server, pinnedClient, "127.0.0.1", "http/1.1"));
            TlsHandshakeListener.Outcome outcome = nextHandshake();
            var refused = assertInstanceOf(TlsHandshakeListener.Refused.class, outcome, outcome.toString());
            assertEquals("signer-busy", refused.outcome());
            assertTrue(one.dropped() >= 1);
        } finally {
            release.countDown();
        }
        // With the signer free again, the next handshake goes through.
        SSLSocket later = connect(server, pinnedClient, "127.0.0.1", "http/1.1");
        assertEquals("HTTP/1.1 200 OK", statusAfter(later, "GET /x HTTP/1.1\r\nHost: b\r\n\r\n"));
        assertTrue(Set.of(1, 2).contains(handled.get()));
    }
}
