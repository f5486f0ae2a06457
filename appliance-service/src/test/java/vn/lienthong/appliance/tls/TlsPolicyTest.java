package vn.lienthong.appliance.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.CipherSuiteConverter;
import io.netty.handler.ssl.OpenSsl;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

class TlsPolicyTest {

    @Test
    void allowsOnlyTls13And12() {
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), TlsPolicy.PROTOCOLS);
        assertFalse(TlsPolicy.allowsProtocol("TLSv1.1"));
    }

    @Test
    void everySuiteIsAeadAndEveryTls12SuiteIsEcdhe() {
        for (String suite : TlsPolicy.JSSE_CIPHER_SUITES) {
            assertTrue(suite.endsWith("_GCM_SHA256") || suite.endsWith("_GCM_SHA384")
                    || suite.endsWith("_CHACHA20_POLY1305_SHA256"), suite);
            assertTrue(TlsPolicy.TLS13_CIPHER_SUITES.contains(suite) || suite.startsWith("TLS_ECDHE_ECDSA_WITH_")
                    || suite.startsWith("TLS_ECDHE_RSA_WITH_"), suite);
        }
        assertFalse(TlsPolicy.allowsCipherSuite("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"));
        assertFalse(TlsPolicy.allowsCipherSuite("TLS_RSA_WITH_AES_128_GCM_SHA256"));
    }

    @Test
    void theOpensslNamesAreTheSameSuitesAsTheJsseNamesInTheSameOrder() {
        assertEquals(TlsPolicy.JSSE_CIPHER_SUITES.size(), TlsPolicy.OPENSSL_CIPHER_SUITES.size());
        for (int i = 0; i < TlsPolicy.JSSE_CIPHER_SUITES.size(); i++) {
            String jsse = TlsPolicy.JSSE_CIPHER_SUITES.get(i);
            String openssl = TlsPolicy.OPENSSL_CIPHER_SUITES.get(i);
            // TLS 1.3 suites have one name; Netty's converter maps the TLS 1.2 ones.
            String expected = TlsPolicy.TLS13_CIPHER_SUITES.contains(jsse) ? jsse : CipherSuiteConverter.toOpenSsl(jsse, true);
            assertEquals(expected, openssl, jsse);
        }
    }

    @Test
    void bothTlsEnginesOnThisMachineSupportEverySuite() throws Exception {
        assertTrue(OpenSsl.isAvailable(), "BoringSSL must load here");
        List<String> jdk = List.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
        for (int i = 0; i < TlsPolicy.JSSE_CIPHER_SUITES.size(); i++) {
            assertTrue(jdk.contains(TlsPolicy.JSSE_CIPHER_SUITES.get(i)), TlsPolicy.JSSE_CIPHER_SUITES.get(i));
            assertTrue(OpenSsl.isCipherSuiteAvailable(TlsPolicy.OPENSSL_CIPHER_SUITES.get(i)),
                    TlsPolicy.OPENSSL_CIPHER_SUITES.get(i));
        }
    }
}
