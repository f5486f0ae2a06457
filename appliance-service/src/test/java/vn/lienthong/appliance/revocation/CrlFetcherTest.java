package vn.lienthong.appliance.revocation;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.appliance.config.ApplianceConfig;
import vn.lienthong.hsm.testing.TestCertificateAuthority;
import vn.lienthong.hsm.trust.CertificateRevokedException;
import vn.lienthong.hsm.trust.ChainValidator;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.storage.Storage;

/** CRLs fetched from a certificate's distribution point, served by an HTTP server on loopback. */
class CrlFetcherTest {

    private static final TestCertificateAuthority ROOT = TestCertificateAuthority.root("Fetching Root");

    @TempDir
    Path dir;
    private Storage storage;
    private ApplianceRegistry registry;
    private HttpServer server;
    private final AtomicReference<byte[]> served = new AtomicReference<>();
    private final AtomicInteger requests = new AtomicInteger();
    private String url;

    @BeforeEach
    void openStoreAndServer() throws Exception {
        storage = Storage.open(dir.resolve("data"), 16L * 1024 * 1024);
        registry = new ApplianceRegistry(storage.registry());
        registry.addTrustAnchor(ROOT.certificate());
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/root.crl", exchange -> {
            requests.incrementAndGet();
            byte[] body = served.get();
            exchange.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
            if (body != null) {
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort() + "/root.crl";
    }

    @AfterEach
    void close() {
        server.stop(0);
        storage.close();
    }

    private X509Certificate leafWithDistributionPoint() {
        return ROOT.issue("CN=000.00.00.G22", TestCertificateAuthority.newKeyPair().getPublic(),
                KeyUsage.digitalSignature, url, KeyPurposeId.id_kp_clientAuth);
    }

    private CrlFetcher fetcher(boolean enabled) {
        return new CrlFetcher(enabled, registry, Map::of, Runnable::run, Clock.systemUTC());
    }

    @Test
    void fetchesTheCrlOfADistributionPointWhenFirstSeenAndHoldsIt() throws Exception {
        X509Certificate leaf = leafWithDistributionPoint();
        X509CRL crl = ROOT.crl(Instant.now().minusSeconds(5), Instant.now().plus(Duration.ofDays(1)), leaf);
        served.set(crl.getEncoded());
        assertDoesNotThrow(() -> ChainValidator.validate(List.of(leaf), registry.trustAnchors(),
                registry.revocationLists(), Instant.now()));

        fetcher(true).learn(new X509Certificate[] {leaf});

        assertEquals(1, requests.get());
        assertEquals(1, registry.crls().size());
        assertThrows(CertificateRevokedException.class, () -> ChainValidator.validate(List.of(leaf),
                registry.trustAnchors(), registry.revocationLists(), Instant.now()));
    }

    @Test
    void aFetchedCrlNotSignedByATrustedCaIsNotHeld() throws Exception {
        X509Certificate leaf = leafWithDistributionPoint();
        served.set(TestCertificateAuthority.root("Fetching Root").crl(Instant.now(), Instant.now().plusSeconds(60), leaf)
                .getEncoded());
        CrlFetcher fetcher = fetcher(true);

        fetcher.learn(new X509Certificate[] {leaf});
        fetcher.run();

        assertEquals(2, requests.get(), "fetched when seen and at the run");
        assertTrue(registry.crls().isEmpty(), "a CRL signed by another key of the same name is refused");
    }

    @Test
    void fetchesNothingUnlessEnabledInTheConfiguration() throws Exception {
        served.set(ROOT.crl(Instant.now(), Instant.now().plusSeconds(60)).getEncoded());
        CrlFetcher fetcher = fetcher(false);

        fetcher.learn(new X509Certificate[] {leafWithDistributionPoint()});
        fetcher.run();

        assertEquals(0, requests.get());
        assertEquals(new ApplianceConfig.CrlFetch(true, Duration.ofMinutes(60)),
                configWith("trust:\n  crl-fetch: true\n").crlFetch());
        assertEquals(new ApplianceConfig.CrlFetch(false, Duration.ofMinutes(60)), configWith("").crlFetch());
        assertThrows(vn.lienthong.appliance.config.ConfigurationException.class,
                () -> configWith("trust:\n  crl-fetch: true\n  crl-fetch-interval-minutes: 0\n"));
    }

    /** An appliance configuration with {@code trust} (YAML) added to what every configuration needs. */
    private ApplianceConfig configWith(String trust) throws Exception {
        Path file = Files.writeString(dir.resolve("config.yaml"), """
                storage:
                  path: data
                hsm:
                  library: /usr/lib/softhsm/libsofthsm2.so
                  token-label: t
                  pin: env:LIENTHONG_TEST_PIN
                """ + trust);
        return ApplianceConfig.load(file);
    }
}
