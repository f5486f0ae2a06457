package vn.lienthong.appliance.adversarial;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * TLS sockets as an attacker opens them: from a chosen loopback source address, with a chosen client certificate
 * and ALPN protocol, checking nothing of the server. For attack tests only.
 */
public final class RawTls {

    private RawTls() {
    }

    /** A client context presenting {@code certificate} with its software {@code key}; every server is accepted. */
    public static SSLContext client(PrivateKey key, X509Certificate certificate) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] password = "attack".toCharArray();
            store.setKeyEntry("client", key, password, new X509Certificate[] {certificate});
            KeyManagerFactory keys = KeyManagerFactory.getInstance("PKIX");
            keys.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), new TrustManager[] {new AnyServer()}, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot make the attacker's TLS context: " + e, e);
        }
    }

    /**
     * Connects from {@code localAddress} (any 127.x.y.z works on Linux) to {@code server}, offers {@code alpn}
     * and completes the client's side of the handshake (in TLS 1.3 the server may still refuse the client's
     * certificate afterwards: the first read then fails).
     */
    public static SSLSocket open(SSLContext context, String localAddress, InetSocketAddress server, String alpn,
            int readTimeoutMillis) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket();
        try {
            socket.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
            socket.connect(server, 5_000);
            socket.setSoTimeout(readTimeoutMillis);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {alpn});
            parameters.setEndpointIdentificationAlgorithm(null);
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static final class AnyServer implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
