package vn.lienthong.bench.baseline;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import vn.lienthong.appliance.axis.transport.AxisResponse;
import vn.lienthong.appliance.axis.transport.AxisServer;
import vn.lienthong.appliance.axis.transport.AxisServerSettings;
import vn.lienthong.appliance.demo.DemoCa;
import vn.lienthong.appliance.tls.AnchorTrustManager;
import vn.lienthong.appliance.tls.TlsEngine;
import vn.lienthong.appliance.tls.TlsHandshakeListener;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;

/**
 * The axis listener ({@link AxisServer}, as the appliance runs it, its key in the HSM) on each TLS
 * engine with an RSA-2048 and an EC P-256 certificate: full mutual-TLS handshakes per second (every
 * connection new, no session resumption) and requests per second over kept-alive HTTP/1.1
 * connections. The clients are JDK TLS clients presenting a peer appliance's (software) EC certificate.
 */
final class AxisTlsBaseline {

    private static final byte[] OK = "ok".getBytes(StandardCharsets.UTF_8);

    private final Token token;
    private final DemoCa ca = DemoCa.create("lienthong bench CA");
    private final SSLContext client;

    AxisTlsBaseline(Token token) throws Exception {
        this.token = token;
        KeyPair peer = DemoCa.ecKeyPair();
        X509Certificate peerCertificate = ca.issue(new X500Name("CN=bench peer,O=lienthong bench,C=VN"),
                peer.getPublic(), DemoCa.Profile.TLS, List.of("localhost"), List.of("127.0.0.1"));
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        char[] password = "bench".toCharArray();
        keys.setKeyEntry("peer", peer.getPrivate(), password, new X509Certificate[] {peerCertificate});
        keys.setCertificateEntry("root", ca.root());
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(keys, password);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(keys);
        client = SSLContext.getInstance("TLS");
        client.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        // Each handshake below names a host of its own, so the client's session cache never offers a
        // session to resume; keep that cache small.
        client.getClientSessionContext().setSessionCacheSize(64);
    }

    List<BaselineFigures.Tls> measure(List<KeyAlgorithm> certificates, Duration each, int clientThreads,
                                      int bodyBytes) throws Exception {
        List<BaselineFigures.Tls> figures = new ArrayList<>();
        for (KeyAlgorithm algorithm : certificates) {
            TokenKey key = token.generateKey("bench-tls-" + algorithm.cliName(), algorithm);
            X509Certificate certificate = ca.issue(new X500Name("CN=localhost,O=lienthong bench,C=VN"),
                    key.publicKey(), DemoCa.Profile.TLS, List.of("localhost"), List.of("127.0.0.1"));
            key = token.storeChain(key.alias(), List.of(certificate));
            for (TlsEngine engine : TlsEngine.values()) {
                try (AxisServer server = AxisServer.start(AxisServerSettings.of("127.0.0.1", 0), key,
                        new AnchorTrustManager(() -> List.of(ca.root())),
                        request -> AxisResponse.of(200, "text/plain", OK), TlsHandshakeListener.NONE, engine)) {
                    double handshakes = handshakesPerSecond(server.port(), each, clientThreads);
                    double requests = keepAliveRequestsPerSecond(server.port(), each, clientThreads, bodyBytes);
                    figures.add(new BaselineFigures.Tls(engine.name().toLowerCase(java.util.Locale.ROOT),
                            HsmSignBaseline.label(algorithm), clientThreads, handshakes, requests));
                }
            }
        }
        return figures;
    }

    private double handshakesPerSecond(int port, Duration duration, int threads) throws Exception {
        SSLSocketFactory factory = client.getSocketFactory();
        AtomicLong sequence = new AtomicLong();
        return run(threads, duration, warmup(duration), () -> {
            try (Socket plain = new Socket()) {
                plain.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                String host = "bench-" + sequence.incrementAndGet() + ".invalid";
                try (SSLSocket tls = (SSLSocket) factory.createSocket(plain, host, port, true)) {
                    tls.startHandshake();
                }
            }
        });
    }

    private double keepAliveRequestsPerSecond(int port, Duration duration, int threads, int bodyBytes)
            throws Exception {
        byte[] body = new byte[bodyBytes];
        URI uri = URI.create("https://127.0.0.1:" + port + "/bench");
        try (HttpClient http = HttpClient.newBuilder().sslContext(client).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build()) {
            return run(threads, duration, warmup(duration), () -> {
                HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(uri)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                if (response.statusCode() != 200) {
                    throw new IllegalStateException("the axis listener answered " + response.statusCode());
                }
            });
        }
    }

    private static Duration warmup(Duration measured) {
        return measured.compareTo(Duration.ofSeconds(1)) < 0 ? measured.dividedBy(2) : Duration.ofMillis(500);
    }

    @FunctionalInterface
    private interface Operation {
        void run() throws Exception;
    }

    /** Runs {@code operation} on {@code threads} threads, warm-up first; answers completions per second. */
    private static double run(int threads, Duration duration, Duration warmup, Operation operation)
            throws InterruptedException {
        AtomicLong counted = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        long start = System.nanoTime();
        long measureFrom = start + warmup.toNanos();
        long end = measureFrom + duration.toNanos();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            workers.add(Thread.ofPlatform().name("bench-tls-" + i).start(() -> {
                while (System.nanoTime() < end) {
                    try {
                        operation.run();
                        long now = System.nanoTime();
                        if (now >= measureFrom && now < end) {
                            counted.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread worker : workers) {
            worker.join();
        }
        if (counted.get() == 0 && failures.get() > 0) {
            throw new IllegalStateException("every TLS operation against the axis listener failed");
        }
        return counted.get() / (duration.toNanos() / 1e9);
    }
}
