package vn.lienthong.appliance.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;

/** The local API's TLS: a Helidon SE server presenting an RSA key from the HSM and requiring client certificates. */
class HelidonTlsTest {

    private static SoftHsmTestToken softHsm;
    private static Token token;
    private static TestPki pki;
    private static TokenKey serverKey;
    private static WebServer server;

    @BeforeAll
    static void startHelidonWithTheHsmKey() {
        softHsm = SoftHsmTestToken.create("helidon");
        token = Token.open(softHsm.config());
        pki = TestPki.create("Local API Root");
        serverKey = pki.issueInToken(token, "tls", KeyAlgorithm.RSA_2048, "appliance", TestPki.Role.SERVER_AND_CLIENT);
        server = WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                .tls(HelidonTls.of(serverKey, new AnchorTrustManager(() -> List.of(pki.certificate()))))
                .routing(routing -> routing.get("/whoami", (request, response) -> {
                    // The local API maps this verified certificate to a tenant.
                    Certificate[] chain = request.remotePeer().tlsCertificates().orElseThrow();
                    response.send(((X509Certificate) chain[0]).getSubjectX500Principal().getName());
                }))
                .build()
                .start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
        if (token != null) {
            token.close();
        }
        softHsm.close();
    }

    private static HttpResponse<String> whoami(SSLContext tls) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(10)).build()) {
            return http.send(HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + "/whoami")).build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void servesHttpsWithMutualTlsAndHandsTheVerifiedClientCertificateToTheHandler() throws Exception {
        TokenKey dms = pki.softwareKey("dms-of-agency-a", TestPki.Role.CLIENT);

        HttpResponse<String> response = whoami(
                JsseContexts.client(dms, new AnchorTrustManager(() -> List.of(pki.certificate()))));

        assertEquals(200, response.statusCode());
        assertEquals(dms.certificate().getSubjectX500Principal().getName(), response.body());
        assertEquals("TLSv1.3", response.sslSession().orElseThrow().getProtocol());
        assertTrue(TlsPolicy.allowsCipherSuite(response.sslSession().orElseThrow().getCipherSuite()));
    }

    @Test
    void signsItsHandshakeWithTheHsmKeyThatCannotBeRead() throws Exception {
        assertNull(serverKey.privateKey().getEncoded());
        TokenKey dms = pki.softwareKey("dms", TestPki.Role.CLIENT);
        SSLContext tls = JsseContexts.client(dms, new PinnedServerTrustManager(() -> List.of(pki.certificate()),
                PinnedServerTrustManager.pinOf(serverKey.certificate())));
        HttpResponse<String> response = whoami(tls);
        assertEquals(200, response.statusCode());
        var presented = (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
        assertEquals(serverKey.publicKey(), presented.getPublicKey());
    }

    @Test
    void refusesAClientWithoutACertificateAtTheTlsLayer() throws Exception {
        SSLContext anonymous = SSLContext.getInstance("TLS");
        anonymous.init(null, new TrustManager[] {new AnchorTrustManager(() -> List.of(pki.certificate()))}, null);
        assertThrows(IOException.class, () -> whoami(anonymous));
    }

    @Test
    void refusesAClientWhoseCertificateComesFromAnotherAuthority() {
        TokenKey stranger = TestPki.create("Unknown Root").softwareKey("stranger", TestPki.Role.CLIENT);
        assertThrows(IOException.class, () -> whoami(
                JsseContexts.client(stranger, new AnchorTrustManager(() -> List.of(pki.certificate())))));
    }

    @Test
    void refusesAClientOfferingOnlyTls12CbcSuites() throws Exception {
        TokenKey dms = pki.softwareKey("old-dms", TestPki.Role.CLIENT);
        SSLContext tls = JsseContexts.client(dms, new AnchorTrustManager(() -> List.of(pki.certificate())));
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("localhost", server.port())) {
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            socket.setEnabledCipherSuites(new String[] {
                    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"});
            assertThrows(SSLHandshakeException.class, socket::startHandshake);
        }
    }
}
