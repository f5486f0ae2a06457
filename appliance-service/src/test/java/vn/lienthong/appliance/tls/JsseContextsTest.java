package vn.lienthong.appliance.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyManagementException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import vn.lienthong.hsm.token.TokenKey;

class JsseContextsTest {

    private final TestPki pki = TestPki.create("Contexts Root");
    private final TokenKey key = pki.softwareKey("appliance", TestPki.Role.SERVER_AND_CLIENT);
    private final AnchorTrustManager trust = new AnchorTrustManager(() -> List.of(pki.certificate()));

    private static void assertPolicy(String[] protocols, String[] suites) {
        assertArrayEquals(TlsPolicy.PROTOCOLS.toArray(), protocols);
        assertArrayEquals(TlsPolicy.JSSE_CIPHER_SUITES.toArray(), suites);
    }

    @Test
    void everyEngineAndSocketOfTheServerContextFollowsThePolicyAndRequiresAClientCertificate() throws Exception {
        SSLContext server = JsseContexts.server(key, trust);
        SSLEngine engine = server.createSSLEngine();
        engine.setUseClientMode(false);
        assertPolicy(engine.getEnabledProtocols(), engine.getEnabledCipherSuites());
        assertTrue(engine.getNeedClientAuth());
        try (SSLServerSocket socket = (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0)) {
            assertPolicy(socket.getEnabledProtocols(), socket.getEnabledCipherSuites());
            assertTrue(socket.getNeedClientAuth());
        }
        assertPolicy(server.getDefaultSSLParameters().getProtocols(), server.getDefaultSSLParameters().getCipherSuites());
    }

    @Test
    void theClientContextDefaultsToThePolicyWithHostnameVerification() throws Exception {
        SSLContext client = JsseContexts.client(key, trust);
        var defaults = client.getDefaultSSLParameters();
        assertPolicy(defaults.getProtocols(), defaults.getCipherSuites());
        assertEquals("HTTPS", defaults.getEndpointIdentificationAlgorithm());
        SSLEngine engine = client.createSSLEngine("peer.example", 5500);
        assertPolicy(engine.getEnabledProtocols(), engine.getEnabledCipherSuites());
        try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket()) {
            assertPolicy(socket.getEnabledProtocols(), socket.getEnabledCipherSuites());
        }
    }

    @Test
    void theContextsCannotBeReinitialisedWithOtherKeys() {
        SSLContext client = JsseContexts.client(key, trust);
        assertThrows(KeyManagementException.class, () -> client.init(null, null, null));
    }

    @Test
    void theKeyManagerPresentsTheKeyOnlyForItsOwnKeyType() {
        HsmKeyManager keys = new HsmKeyManager(key);
        assertEquals("appliance", keys.chooseEngineServerAlias("EC", null, null));
        assertNull(keys.chooseEngineServerAlias("RSA", null, null));
        assertEquals("appliance", keys.chooseEngineClientAlias(new String[] {"RSA", "EC"}, null, null));
        assertNull(keys.chooseClientAlias(new String[] {"RSA", "RSASSA-PSS"}, null, null));
        assertArrayEquals(key.chain().toArray(X509Certificate[]::new), keys.getCertificateChain("appliance"));
        assertEquals(key.privateKey(), keys.getPrivateKey("appliance"));
        assertNull(keys.getPrivateKey("another"));
    }

    @Test
    void theKeyManagerRefusesACertificateThatIsNotForTheKey() {
        TokenKey other = pki.softwareKey("other", TestPki.Role.CLIENT);
        TokenKey mismatched = new TokenKey("tls", key.privateKey(), key.publicKey(), other.chain());
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> new HsmKeyManager(mismatched));
        assertTrue(refused.getMessage().contains("is not for that key"), refused.getMessage());
    }
}
