package vn.lienthong.appliance.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.OpenSslX509KeyManagerFactory;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509TrustManager;
import vn.lienthong.hsm.token.TokenKey;

/**
 * Netty server contexts on BoringSSL that present a token key without ever holding its material: BoringSSL is
 * given only the certificate chain ("keyless") and asks {@link HsmPrivateKeyMethod} to sign each handshake.
 */
public final class NettySslContexts {

    private NettySslContexts() {
    }

    /**
     * A server context on the given engine: {@link TlsPolicy} protocols and suites, a client certificate required
     * and checked by {@code clientTrust}, ALPN offering h2 then http/1.1, each handshake's HSM signature made by
     * one of {@code signers}; on {@link TlsEngine#JDK} the key is presented through {@link HsmKeyManager}.
     *
     * @throws IllegalStateException if BoringSSL is asked for and cannot be loaded on this machine
     */
    public static SslContext server(TokenKey tlsKey, X509TrustManager clientTrust, TlsEngine engine,
            HandshakeSigners signers) {
        Objects.requireNonNull(tlsKey, "tlsKey");
        Objects.requireNonNull(clientTrust, "clientTrust");
        Objects.requireNonNull(signers, "signers");
        if (engine == TlsEngine.JDK) {
            return jdkServer(tlsKey, clientTrust, signers);
        }
        requireBoringSsl();
        try {
            KeyManagerFactory keyless = OpenSslX509KeyManagerFactory.newKeyless(
                    tlsKey.chain().toArray(X509Certificate[]::new));
            return SslContextBuilder.forServer(keyless)
                    .sslProvider(SslProvider.OPENSSL)
                    .option(OpenSslContextOption.ASYNC_PRIVATE_KEY_METHOD, new HsmPrivateKeyMethod(tlsKey.privateKey(), tlsKey.provider(), signers))
                    .trustManager(clientTrust)
                    .clientAuth(ClientAuth.REQUIRE)
                    .protocols(TlsPolicy.PROTOCOLS)
                    .ciphers(TlsPolicy.OPENSSL_CIPHER_SUITES, IdentityCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(alpn())
                    .build();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("the axis TLS context cannot be made from key '" + tlsKey.alias()
                    + "': " + e.getMessage(), e);
        }
    }

    private static SslContext jdkServer(TokenKey tlsKey, X509TrustManager clientTrust, HandshakeSigners signers) {
        try {
            return SslContextBuilder.forServer(new HsmKeyManager(() -> tlsKey, signers))
                    .sslProvider(SslProvider.JDK)
                    .trustManager(clientTrust)
                    .clientAuth(ClientAuth.REQUIRE)
                    .protocols(TlsPolicy.PROTOCOLS)
                    .ciphers(TlsPolicy.JSSE_CIPHER_SUITES, IdentityCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(alpn())
                    .build();
        } catch (IOException e) {
            throw new IllegalStateException("the axis TLS context cannot be made from key '" + tlsKey.alias()
                    + "': " + e.getMessage(), e);
        }
    }

    private static ApplicationProtocolConfig alpn() {
        return new ApplicationProtocolConfig(
                ApplicationProtocolConfig.Protocol.ALPN,
                // The only behaviours BoringSSL supports: a client offering neither protocol gets none.
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);
    }

    private static void requireBoringSsl() {
        if (!OpenSsl.isAvailable()) {
            Throwable cause = OpenSsl.unavailabilityCause();
            throw new IllegalStateException("the axis transport needs BoringSSL (netty-tcnative-boringssl-static for"
                    + " this platform) but it cannot be loaded: " + (cause == null ? "unknown reason" : cause.getMessage()),
                    cause);
        }
    }
}
