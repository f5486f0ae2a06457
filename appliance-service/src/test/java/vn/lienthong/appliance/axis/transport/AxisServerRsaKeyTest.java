package vn.lienthong.appliance.axis.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import vn.lienthong.appliance.tls.AnchorTrustManager;
import vn.lienthong.appliance.tls.JsseContexts;
import vn.lienthong.appliance.tls.TestPki;
import vn.lienthong.appliance.tls.TlsHandshakeListener;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;

/** The axis listener with an RSA-2048 HSM key: every RSA signature scheme a client may insist on is signed in the HSM. */
class AxisServerRsaKeyTest {

    private static SoftHsmTestToken softHsm;
    private static Token token;
    private static TestPki pki;
    private static TokenKey serverKey;
    private static TokenKey clientKey;
    private static AxisServer server;

    @BeforeAll
    static void startServerWithAnRsaKeyInTheHsm() {
        softHsm = SoftHsmTestToken.create("axis-rsa");
        token = Token.open(softHsm.config());
        pki = TestPki.create("RSA Test Root");
        serverKey = pki.issueInToken(token, "tls", KeyAlgorithm.RSA_2048, "appliance-rsa", TestPki.Role.SERVER_AND_CLIENT);
        clientKey = pki.issueInToken(token, "client", KeyAlgorithm.RSA_2048, "client-rsa", TestPki.Role.SERVER_AND_CLIENT);
        server = AxisServer.start(AxisServerSettings.of("127.0.0.1", 0), serverKey,
                new AnchorTrustManager(() -> List.of(pki.certificate())),
                request -> AxisResponse.of(200, "text/plain", "ok".getBytes(StandardCharsets.UTF_8)),
                TlsHandshakeListener.NONE);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (token != null) {
            token.close();
        }
        softHsm.close();
    }

    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource({
            "TLSv1.3, rsa_pss_rsae_sha256",
            "TLSv1.3, rsa_pss_rsae_sha384",
            "TLSv1.3, rsa_pss_rsae_sha512",
            "TLSv1.2, rsa_pss_rsae_sha256",
            "TLSv1.2, rsa_pkcs1_sha256",
            "TLSv1.2, rsa_pkcs1_sha384",
            "TLSv1.2, rsa_pkcs1_sha512"})
    void completesAnMtlsHandshakeWhenTheClientAllowsOnlyOneRsaScheme(String protocol, String scheme) throws Exception {
        assertNull(serverKey.privateKey().getEncoded());
        SSLContext context = JsseContexts.client(clientKey, new AnchorTrustManager(() -> List.of(pki.certificate())));
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", server.port())) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setProtocols(new String[] {protocol});
            // The only RSA scheme the server may sign with (the client signs its CertificateVerify with it too);
            // ECDSA stays allowed only because the test CA signed the certificates with it.
            parameters.setSignatureSchemes(new String[] {scheme, "ecdsa_secp256r1_sha256"});
            parameters.setApplicationProtocols(new String[] {"http/1.1"});
            socket.setSSLParameters(parameters);
            socket.startHandshake();

            assertEquals(protocol, socket.getSession().getProtocol());
            assertEquals(serverKey.publicKey(), ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getPublicKey());
            // An HTTP exchange proves the server accepted the client's HSM-signed CertificateVerify as well.
            socket.getOutputStream().write(("POST /axis HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\n"
                    + "Connection: close\r\n\r\nx").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1 200 OK", answer.lines().findFirst().orElseThrow());
        }
    }
}
