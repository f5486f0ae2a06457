package vn.lienthong.appliance.axis.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.appliance.tls.AnchorTrustManager;
import vn.lienthong.appliance.tls.JsseContexts;
import vn.lienthong.appliance.tls.PinnedServerTrustManager;
import vn.lienthong.appliance.tls.TestPki;
import vn.lienthong.appliance.tls.TlsHandshakeListener;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;

class AxisServerTest {

    private static SoftHsmTestToken softHsm;
    private static Token token;
    private static TestPki pki;
    private static TokenKey serverKey;
    private static TokenKey clientKey;

    private final BlockingQueue<TlsHandshakeListener.Outcome> handshakes = new LinkedBlockingQueue<>();
    private final BlockingQueue<AxisRequest> seen = new LinkedBlockingQueue<>();
    private AxisServer server;

    @BeforeAll
    static void makeKeysInTheHsm() {
        softHsm = SoftHsmTestToken.create("axis");
        token = Token.open(softHsm.config());
        pki = TestPki.create("Axis Test Root");
        serverKey = pki.issueInToken(token, "tls", KeyAlgorithm.EC_P256, "appliance-b", TestPki.Role.SERVER_AND_CLIENT);
        clientKey = pki.issueInToken(token, "tls-peer", KeyAlgorithm.EC_P256, "appliance-a",
                TestPki.Role.SERVER_AND_CLIENT);
    }

    @AfterAll
    static void closeToken() {
        if (token != null) {
            token.close();
        }
        softHsm.close();
    }

    @BeforeEach
    void startServer() {
        server = start(AxisServerSettings.of("127.0.0.1", 0).withMaxBodyBytes(64 * 1024), this::echo);
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private AxisServer start(AxisServerSettings settings, AxisHandler handler) {
        return AxisServer.start(settings, serverKey, new AnchorTrustManager(() -> List.of(pki.certificate())),
                handler, handshakes::add);
    }

    private AxisResponse echo(AxisRequest request) {
        seen.add(request);
        String answer = "received " + request.body().length + " bytes on " + request.method() + " " + request.path()
                + " from " + request.peerCertificate().getSubjectX500Principal().getName();
        return new AxisResponse(200, "text/plain", answer.getBytes(StandardCharsets.UTF_8), Map.of("x-axis", "yes"));
    }

    private HttpClient client(HttpClient.Version version, SSLContext tls) {
        return HttpClient.newBuilder().version(version).sslContext(tls).connectTimeout(Duration.ofSeconds(10)).build();
    }

    private SSLContext pinnedClient(TokenKey key, String pin) {
        return JsseContexts.client(key, new PinnedServerTrustManager(() -> List.of(pki.certificate()), pin));
    }

    private SSLContext pinnedClient() {
        return pinnedClient(clientKey, PinnedServerTrustManager.pinOf(serverKey.certificate()));
    }

    private HttpRequest post(byte[] body) {
        return HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + "/axis/messages?ignored=1"))
                .header("X-Message-Id", "m-1")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
    }

    private TlsHandshakeListener.Outcome nextHandshake() throws InterruptedException {
        TlsHandshakeListener.Outcome outcome = handshakes.poll(30, TimeUnit.SECONDS);
        assertTrue(outcome != null, "the handshake listener was told nothing");
        return outcome;
    }

    @Test
    void answersAnHttp2PostOverTls13AndTheHandlerSeesTheClientCertificate() throws Exception {
        try (HttpClient http = client(HttpClient.Version.HTTP_2, pinnedClient())) {
            HttpResponse<String> response = http.send(post("hello".getBytes(StandardCharsets.UTF_8)),
                    HttpResponse.BodyHandlers.ofString());

            assertEquals(200, response.statusCode());
            assertEquals(HttpClient.Version.HTTP_2, response.version());
            assertEquals("TLSv1.3", response.sslSession().orElseThrow().getProtocol());
            assertEquals("received 5 bytes on POST /axis/messages from "
                    + clientKey.certificate().getSubjectX500Principal().getName(), response.body());
            assertEquals("yes", response.headers().firstValue("x-axis").orElseThrow());
        }
        AxisRequest request = seen.take();
        assertEquals(clientKey.certificate(), request.peerCertificate());
        assertEquals("m-1", request.headers().get("x-message-id"));
        assertEquals("m-1", request.header("X-Message-Id").orElseThrow());
        assertTrue(request.headers().keySet().stream().noneMatch(name -> name.startsWith("x-http2-")), request.headers()::toString);
        var succeeded = assertInstanceOf(TlsHandshakeListener.Succeeded.class, nextHandshake());
        assertEquals("TLSv1.3", succeeded.protocol());
        assertEquals("h2", succeeded.applicationProtocol());
        assertTrue(succeeded.cipherSuite().startsWith("TLS_AES_") || succeeded.cipherSuite().startsWith("TLS_CHACHA20"),
                succeeded.cipherSuite());
    }

    @Test
    void answersAnHttp11PostOnTheSameListener() throws Exception {
        try (HttpClient http = client(HttpClient.Version.HTTP_1_1, pinnedClient())) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> response = http.send(post(new byte[1000 + i]), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode());
                assertEquals(HttpClient.Version.HTTP_1_1, response.version());
                assertTrue(response.body().startsWith("received " + (1000 + i) + " bytes"), response.body());
            }
        }
        assertEquals(clientKey.certificate(), seen.take().peerChain().getFirst());
        var succeeded = assertInstanceOf(TlsHandshakeListener.Succeeded.class, nextHandshake());
        // The JDK client offers no ALPN for HTTP/1.1; the server then speaks HTTP/1.1 as it would after "http/1.1".
        assertTrue(Set.of("", "http/1.1").contains(succeeded.applicationProtocol()), succeeded.applicationProtocol());
    }

    @Test
    void signsTheHandshakeWithTheHsmKeyWhoseMaterialCannotBeRead() throws Exception {
        assertNull(serverKey.privateKey().getEncoded(), "the server key must not be extractable");
        assertTrue(serverKey.provider().getName().startsWith("SunPKCS11"), serverKey.provider().getName());
        try (HttpClient http = client(HttpClient.Version.HTTP_2, pinnedClient())) {
            HttpResponse<String> response = http.send(post(new byte[1]), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            // The client checked the handshake signature against this certificate's public key, whose private
            // half exists only inside the token.
            X509Certificate presented = (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
            assertEquals(serverKey.publicKey(), presented.getPublicKey());
        }
    }

    @Test
    void refusesAServerWhoseCertificateIsNotTheOnePinned() {
        String wrongPin = PinnedServerTrustManager.pinOf(clientKey.certificate());
        try (HttpClient http = client(HttpClient.Version.HTTP_2, pinnedClient(clientKey, wrongPin))) {
            IOException refused = assertThrows(IOException.class,
                    () -> http.send(post(new byte[1]), HttpResponse.BodyHandlers.ofString()));
            assertTrue(causes(refused).contains("routing directory pins " + wrongPin), causes(refused));
        }
        assertTrue(seen.isEmpty());
    }

    @Test
    void refusesAServerWhoseCertificateDoesNotNameTheHostEvenWithTheRightPin() throws Exception {
        // Linux routes all of 127/8 to loopback; the certificate names only localhost and 127.0.0.1.
        try (AxisServer elsewhere = start(AxisServerSettings.of("127.0.0.2", 0), this::echo);
                HttpClient http = client(HttpClient.Version.HTTP_2, pinnedClient())) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("https://127.0.0.2:" + elsewhere.port() + "/axis"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build();
            IOException refused = assertThrows(IOException.class,
                    () -> http.send(request, HttpResponse.BodyHandlers.ofString()));
            assertTrue(causes(refused).contains("127.0.0.2"), causes(refused));
        }
        assertTrue(seen.isEmpty());
    }

    @Test
    void refusesAClientWithoutACertificateAtTheTlsLayer() throws Exception {
        SSLContext noCertificate = SSLContext.getInstance("TLS");
        noCertificate.init(null, new TrustManager[] {new AnchorTrustManager(() -> List.of(pki.certificate()))}, null);
        try (HttpClient http = client(HttpClient.Version.HTTP_2, noCertificate)) {
            assertThrows(IOException.class, () -> http.send(post(new byte[1]), HttpResponse.BodyHandlers.ofString()));
        }
        assertInstanceOf(TlsHandshakeListener.Failed.class, nextHandshake());
        assertTrue(seen.isEmpty());
    }

    @Test
    void refusesAClientWhoseCertificateComesFromAnotherAuthority() throws Exception {
        TokenKey stranger = TestPki.create("Some Other Root").softwareKey("stranger", TestPki.Role.CLIENT);
        try (HttpClient http = client(HttpClient.Version.HTTP_2,
                JsseContexts.client(stranger, new AnchorTrustManager(() -> List.of(pki.certificate()))))) {
            assertThrows(IOException.class, () -> http.send(post(new byte[1]), HttpResponse.BodyHandlers.ofString()));
        }
        var failed = assertInstanceOf(TlsHandshakeListener.Failed.class, nextHandshake());
        assertTrue(failed.reason().contains("CN=stranger") && failed.reason().contains("not trusted"), failed.reason());
        assertTrue(seen.isEmpty());
    }

    @Test
    void acceptsAClientOnceTheOperatorAddsItsAuthorityWithoutARestart() throws Exception {
        TestPki otherAuthority = TestPki.create("Newly Trusted Root");
        TokenKey newcomer = otherAuthority.softwareKey("newcomer", TestPki.Role.CLIENT);
        AtomicReference<List<X509Certificate>> anchors = new AtomicReference<>(List.of(pki.certificate()));
        try (AxisServer reloading = AxisServer.start(AxisServerSettings.of("127.0.0.1", 0), serverKey,
                new AnchorTrustManager(anchors::get), this::echo, TlsHandshakeListener.NONE);
                HttpClient before = client(HttpClient.Version.HTTP_1_1,
                        JsseContexts.client(newcomer, new AnchorTrustManager(() -> List.of(pki.certificate()))));
                HttpClient after = client(HttpClient.Version.HTTP_1_1,
                        JsseContexts.client(newcomer, new AnchorTrustManager(() -> List.of(pki.certificate()))))) {
            URI uri = URI.create("https://localhost:" + reloading.port() + "/axis");
            HttpRequest request = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString("x")).build();
            assertThrows(IOException.class, () -> before.send(request, HttpResponse.BodyHandlers.ofString()));

            anchors.set(List.of(pki.certificate(), otherAuthority.certificate()));

            assertEquals(200, after.send(request, HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    @Test
    void refusesAClientOfferingOnlyTls12SuitesWithoutAead() throws Exception {
        SSLContext context = JsseContexts.client(clientKey, new AnchorTrustManager(() -> List.of(pki.certificate())));
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", server.port())) {
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            socket.setEnabledCipherSuites(new String[] {
                    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
                    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"});
            assertThrows(SSLHandshakeException.class, socket::startHandshake);
        }
        assertInstanceOf(TlsHandshakeListener.Failed.class, nextHandshake());
    }

    @Test
    void acceptsATls12ClientWithAnAeadSuite() throws Exception {
        SSLContext context = JsseContexts.client(clientKey, new AnchorTrustManager(() -> List.of(pki.certificate())));
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", server.port())) {
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            socket.startHandshake();
            assertEquals("TLSv1.2", socket.getSession().getProtocol());
            assertEquals("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", socket.getSession().getCipherSuite());
        }
    }

    @Test
    void answers413ToABodyLargerThanTheLimitOnHttp11AndHttp2() throws Exception {
        byte[] tooLarge = new byte[200 * 1024];
        new SecureRandom().nextBytes(tooLarge);
        for (HttpClient.Version version : List.of(HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2)) {
            try (HttpClient http = client(version, pinnedClient())) {
                HttpResponse<String> response = http.send(post(tooLarge), HttpResponse.BodyHandlers.ofString());
                assertEquals(413, response.statusCode(), version.toString());
                assertEquals(version, response.version());
                assertTrue(response.body().contains("65536 bytes"), response.body());
                // A body at the limit is still accepted on a fresh exchange.
                assertEquals(200, http.send(post(new byte[64 * 1024]), HttpResponse.BodyHandlers.ofString()).statusCode());
            }
        }
        assertEquals(2, seen.size());
    }

    @Test
    void answers500WithoutDetailsWhenTheHandlerFails() throws Exception {
        try (AxisServer failing = start(AxisServerSettings.of("127.0.0.1", 0), request -> {
            throw new IllegalStateException("secret internal detail");
        }); HttpClient http = client(HttpClient.Version.HTTP_2, pinnedClient())) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("https://localhost:" + failing.port() + "/axis"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(500, response.statusCode());
            assertTrue(!response.body().contains("secret"), response.body());
        }
    }

    @Test
    void answers503WhenAsManyRequestsAsAllowedAreInProgress() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        try (AxisServer narrow = start(AxisServerSettings.of("127.0.0.1", 0).withMaxConcurrentRequests(1), request -> {
            started.incrementAndGet();
            await(release);
            return AxisResponse.of(200, "text/plain", new byte[0]);
        }); HttpClient http = client(HttpClient.Version.HTTP_2, pinnedClient())) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("https://localhost:" + narrow.port() + "/axis"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build();
            CompletableFuture<HttpResponse<String>> first = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
            while (started.get() == 0) {
                Thread.sleep(10);
            }
            HttpResponse<String> second = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(503, second.statusCode());
            assertEquals("1", second.headers().firstValue("retry-after").orElseThrow());
            release.countDown();
            assertEquals(200, first.get().statusCode());
        }
    }

    @Test
    void closeLetsARequestInProgressAnswerAndThenRefusesConnections() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AxisServer draining = start(AxisServerSettings.of("127.0.0.1", 0), request -> {
            entered.countDown();
            await(release);
            return AxisResponse.of(202, "text/plain", "accepted".getBytes(StandardCharsets.UTF_8));
        });
        int port = draining.port();
        try (HttpClient http = client(HttpClient.Version.HTTP_2, pinnedClient())) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/axis"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build();
            CompletableFuture<HttpResponse<String>> inProgress = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
            entered.await();
            Thread closing = Thread.ofVirtual().start(draining::close);
            release.countDown();
            HttpResponse<String> answered = inProgress.get();
            closing.join();

            assertEquals(202, answered.statusCode());
            assertEquals("accepted", answered.body());
        }
        try (HttpClient fresh = client(HttpClient.Version.HTTP_2, pinnedClient())) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/axis"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build();
            assertThrows(IOException.class, () -> fresh.send(request, HttpResponse.BodyHandlers.ofString()));
        }
    }

    @Test
    void opensslNegotiatesTls13ButIsRefusedCbcSuitesAndTls11(@TempDir Path dir) throws Exception {
        assumeTrue(opensslIsInstalled(), "openssl is not installed");
        TokenKey opensslClient = pki.softwareKey("openssl-client", TestPki.Role.CLIENT);
        List<Path> pem = TestPki.writePem(opensslClient, dir);
        Path caFile = dir.resolve("ca.pem");
        Files.writeString(caFile, TestPki.pem("CERTIFICATE", pki.certificate().getEncoded()));
        String connect = "127.0.0.1:" + server.port();

        String tls13 = openssl(List.of("s_client", "-connect", connect, "-servername", "localhost", "-tls1_3",
                "-alpn", "h2", "-cert", pem.get(1).toString(), "-key", pem.get(0).toString(),
                "-CAfile", caFile.toString(), "-verify_return_error"));
        assertTrue(tls13.contains("TLSv1.3"), tls13);
        assertTrue(tls13.contains("Verify return code: 0 (ok)"), tls13);
        assertTrue(tls13.contains("ALPN protocol: h2"), tls13);

        String cbc = openssl(List.of("s_client", "-connect", connect, "-servername", "localhost", "-tls1_2",
                "-cipher", "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA", "-cert", pem.get(1).toString(),
                "-key", pem.get(0).toString(), "-CAfile", caFile.toString()));
        assertTrue(cbc.contains("Cipher is (NONE)") && cbc.contains("alert handshake failure"), cbc);

        String tls11 = openssl(List.of("s_client", "-connect", connect, "-servername", "localhost", "-tls1_1",
                "-cipher", "DEFAULT@SECLEVEL=0", "-cert", pem.get(1).toString(), "-key", pem.get(0).toString(),
                "-CAfile", caFile.toString()));
        assertTrue(tls11.contains("Cipher is (NONE)") && tls11.contains("alert protocol version"), tls11);
    }

    private static boolean opensslIsInstalled() {
        try {
            return new ProcessBuilder("openssl", "version").start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    private static String openssl(List<String> arguments) throws Exception {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(arguments);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "openssl did not finish");
        return output;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String causes(Throwable t) {
        StringBuilder all = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            all.append(c).append(" | ");
        }
        return all.toString();
    }
}
