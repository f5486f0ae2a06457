package vn.lienthong.appliance.tls;

import io.helidon.common.tls.Tls;
import io.helidon.common.tls.TlsClientAuth;
import java.util.Objects;
import java.util.function.Supplier;
import javax.net.ssl.X509TrustManager;
import vn.lienthong.hsm.token.TokenKey;

/**
 * The Helidon SE TLS setting for a listener that presents the HSM key and requires client certificates; a handler
 * reads the verified client chain from {@code ServerRequest.remotePeer().tlsCertificates()}.
 */
public final class HelidonTls {

    private HelidonTls() {
    }

    /** TLS for {@code WebServer.builder().tls(...)} or a listener's {@code tls(...)}. */
    public static Tls of(TokenKey tlsKey, X509TrustManager clientTrust) {
        Objects.requireNonNull(tlsKey, "tlsKey");
        return of(() -> tlsKey, clientTrust);
    }

    /** TLS presenting the key {@code tlsKey} gives at each handshake (a renewed certificate without a restart). */
    public static Tls of(Supplier<TokenKey> tlsKey, X509TrustManager clientTrust) {
        return of(JsseContexts.server(tlsKey, clientTrust));
    }

    /** As {@link #of(Supplier, X509TrustManager)}, each handshake's HSM signature made by one of {@code signers}. */
    public static Tls of(Supplier<TokenKey> tlsKey, X509TrustManager clientTrust, HandshakeSigners signers) {
        return of(JsseContexts.server(tlsKey, clientTrust, signers));
    }

    private static Tls of(javax.net.ssl.SSLContext context) {
        return Tls.builder()
                .sslContext(context)
                .sslParameters(JsseContexts.serverParameters())
                .clientAuth(TlsClientAuth.REQUIRED)
                .endpointIdentificationAlgorithm(Tls.ENDPOINT_IDENTIFICATION_NONE)
                .build();
    }
}
