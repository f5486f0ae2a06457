package vn.lienthong.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.appliance.cli.JvmLauncher;
import vn.lienthong.appliance.demo.ApplianceSetup.TenantSpec;
import vn.lienthong.appliance.demo.DemoCa;
import vn.lienthong.hsm.testing.SoftHsmTestToken;

/**
 * A TLS certificate the operator imports while the appliance runs is presented by both the local
 * API and the axis listener without a restart.
 */
class TlsRenewalTest {

    @TempDir
    static Path dir;
    static SoftHsmTestToken token;
    static DemoCa ca;
    static TestAppliance a;

    @BeforeAll
    static void start() throws Exception {
        token = SoftHsmTestToken.create("renewal");
        ca = DemoCa.create("test CA");
        Path root = dir.resolve("root.pem");
        Files.writeString(root, DemoCa.pem(ca.root()));
        a = TestAppliance.provision("a", dir, token, ca, root,
                List.of(new TenantSpec("000.00.00.G22", "Văn phòng Chính phủ", "ecp256")));
        Files.writeString(a.config, Files.readString(a.config).replace("hsm:\n", "hsm:\n  reload-seconds: 1\n"));
        a.start();
    }

    @AfterAll
    static void stop() {
        a.close();
        token.close();
    }

    @Test
    void presentsARenewedTlsCertificateWithoutARestart() throws Exception {
        X509Certificate before = presented(a.running.apiUri());
        assertEquals(before, presented(a.axis()));

        // The operator renews the certificate with the CLI, in its own process, while the service runs.
        Path renewed = dir.resolve("renewed-tls.pem");
        X509Certificate next = ca.issue(Files.readString(a.dir.resolve("csr/tls.pem")), DemoCa.Profile.TLS,
                List.of("localhost"), List.of("127.0.0.1"));
        Files.writeString(renewed, DemoCa.pem(next));
        JvmLauncher.Result imported = new JvmLauncher().run(Map.of(), List.of("provision", "--config",
                a.config.toString(), "cert", "import", "--tls", renewed.toString()));
        assertEquals(0, imported.exitCode(), imported.output());
        assertNotEquals(before, next);

        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (!next.equals(presented(a.running.apiUri())) || !next.equals(presented(a.axis()))) {
            assertTrue(Instant.now().isBefore(deadline), "the renewed certificate is not presented: api "
                    + next.equals(presented(a.running.apiUri())) + ", axis " + next.equals(presented(a.axis())));
            Thread.sleep(200);
        }
    }

    /** The certificate a TLS listener presents (the handshake is abandoned after the server's certificate). */
    private static X509Certificate presented(URI listener) throws Exception {
        AtomicReference<X509Certificate> seen = new AtomicReference<>();
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new X509TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                seen.set(chain[0]);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(listener.getHost(),
                listener.getPort())) {
            socket.setSoTimeout(5000);
            try {
                socket.startHandshake();
            } catch (java.io.IOException refusedForLackOfAClientCertificate) {
                // The server's certificate has been seen by then.
            }
        }
        return seen.get();
    }
}
