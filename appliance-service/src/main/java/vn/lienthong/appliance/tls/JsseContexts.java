package vn.lienthong.appliance.tls;

import java.security.GeneralSecurityException;
import java.util.Objects;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import vn.lienthong.hsm.token.TokenKey;

/**
 * JSSE contexts whose own identity is a token key (the handshake is signed in the HSM) and whose every engine,
 * socket and default parameters follow {@link TlsPolicy}, so a caller that forgets to pass parameters still
 * gets TLS 1.3/1.2 with AEAD suites only.
 */
public final class JsseContexts {

    private JsseContexts() {
    }

    /** A server context presenting {@code tlsKey} and requiring a client certificate that {@code clientTrust} accepts. */
    public static SSLContext server(TokenKey tlsKey, X509TrustManager clientTrust) {
        Objects.requireNonNull(tlsKey, "tlsKey");
        return server(() -> tlsKey, clientTrust);
    }

    /** Like {@link #server(TokenKey, X509TrustManager)}, presenting the key {@code tlsKey} gives at each handshake. */
    public static SSLContext server(Supplier<TokenKey> tlsKey, X509TrustManager clientTrust) {
        return PolicySslContext.wrap(context(tlsKey, clientTrust, null), serverParameters());
    }

    /** As {@link #server(Supplier, X509TrustManager)}, each handshake signed on one of {@code signers}' threads. */
    public static SSLContext server(Supplier<TokenKey> tlsKey, X509TrustManager clientTrust,
            HandshakeSigners signers) {
        Objects.requireNonNull(signers, "signers");
        return PolicySslContext.wrap(context(tlsKey, clientTrust, signers), serverParameters());
    }

    /**
     * A client context presenting {@code tlsKey} to servers that ask for a certificate and checking the server with
     * {@code serverTrust} (for a peer appliance, a {@link PinnedServerTrustManager}). Its default parameters turn
     * on HTTPS hostname verification, which {@link java.net.http.HttpClient} also keeps on.
     */
    public static SSLContext client(TokenKey tlsKey, X509TrustManager serverTrust) {
        Objects.requireNonNull(tlsKey, "tlsKey");
        return PolicySslContext.wrap(context(() -> tlsKey, serverTrust, null), clientParameters());
    }

    /** The policy's protocols and suites, server's suite preference, client certificate required. */
    public static SSLParameters serverParameters() {
        SSLParameters parameters = policyParameters();
        parameters.setUseCipherSuitesOrder(true);
        parameters.setNeedClientAuth(true);
        return parameters;
    }

    /** The policy's protocols and suites, with HTTPS endpoint identification (hostname verification). */
    public static SSLParameters clientParameters() {
        SSLParameters parameters = policyParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        return parameters;
    }

    private static SSLParameters policyParameters() {
        SSLParameters parameters = new SSLParameters();
        parameters.setProtocols(TlsPolicy.PROTOCOLS.toArray(String[]::new));
        parameters.setCipherSuites(TlsPolicy.JSSE_CIPHER_SUITES.toArray(String[]::new));
        return parameters;
    }

    private static SSLContext context(Supplier<TokenKey> tlsKey, X509TrustManager trust, HandshakeSigners signers) {
        Objects.requireNonNull(tlsKey, "tlsKey");
        Objects.requireNonNull(trust, "trust");
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {new HsmKeyManager(tlsKey, signers)}, new TrustManager[] {trust}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make a TLS context: " + e.getMessage(), e);
        }
    }
}
