package vn.lienthong.appliance.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.function.Consumer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A server's client-certificate check that reports its verdict ("success" or "failure"), so that a
 * JSSE listener without handshake events of its own (Helidon) still counts the clients it refused.
 */
public final class ObservedClientTrust extends X509ExtendedTrustManager {

    private final X509ExtendedTrustManager delegate;
    private final Consumer<String> outcome;

    public ObservedClientTrust(X509ExtendedTrustManager delegate, Consumer<String> outcome) {
        this.delegate = delegate;
        this.outcome = outcome;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        observe(() -> delegate.checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        observe(() -> delegate.checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        observe(() -> delegate.checkClientTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        delegate.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        delegate.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }

    private interface Check {
        void run() throws CertificateException;
    }

    private void observe(Check check) throws CertificateException {
        try {
            check.run();
            outcome.accept("success");
        } catch (CertificateException | RuntimeException e) {
            outcome.accept("failure");
            throw e;
        }
    }
}
