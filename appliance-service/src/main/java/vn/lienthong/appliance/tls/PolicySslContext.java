package vn.lienthong.appliance.tls;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/** An initialised SSLContext whose engines, sockets and default parameters start from the policy's parameters. */
final class PolicySslContext extends SSLContext {

    private PolicySslContext(SSLContext delegate, SSLParameters policy) {
        super(new Spi(delegate, policy), delegate.getProvider(), delegate.getProtocol());
    }

    static SSLContext wrap(SSLContext initialised, SSLParameters policy) {
        return new PolicySslContext(initialised, policy);
    }

    private static SSLParameters copy(SSLParameters p) {
        SSLParameters c = new SSLParameters(p.getCipherSuites(), p.getProtocols());
        c.setUseCipherSuitesOrder(p.getUseCipherSuitesOrder());
        c.setEndpointIdentificationAlgorithm(p.getEndpointIdentificationAlgorithm());
        if (p.getNeedClientAuth()) {
            c.setNeedClientAuth(true);
        }
        return c;
    }

    private static final class Spi extends SSLContextSpi {
        private final SSLContext delegate;
        private final SSLParameters policy;

        Spi(SSLContext delegate, SSLParameters policy) {
            this.delegate = delegate;
            this.policy = copy(policy);
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) throws KeyManagementException {
            throw new KeyManagementException("this TLS context is already initialised with the appliance's key");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return new PolicySocketFactory(delegate.getSocketFactory(), policy);
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return new PolicyServerSocketFactory(delegate.getServerSocketFactory(), policy);
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            SSLEngine engine = delegate.createSSLEngine();
            engine.setSSLParameters(copy(policy));
            return engine;
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            SSLEngine engine = delegate.createSSLEngine(host, port);
            engine.setSSLParameters(copy(policy));
            return engine;
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return delegate.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return delegate.getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return copy(policy);
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return delegate.getSupportedSSLParameters();
        }
    }

    private static final class PolicySocketFactory extends SSLSocketFactory {
        private final SSLSocketFactory delegate;
        private final SSLParameters policy;

        PolicySocketFactory(SSLSocketFactory delegate, SSLParameters policy) {
            this.delegate = delegate;
            this.policy = policy;
        }

        private Socket apply(Socket socket) {
            ((SSLSocket) socket).setSSLParameters(copy(policy));
            return socket;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return policy.getCipherSuites().clone();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return apply(delegate.createSocket());
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return apply(delegate.createSocket(s, host, port, autoClose));
        }

        @Override
        public Socket createSocket(Socket s, InputStream consumed, boolean autoClose) throws IOException {
            return apply(delegate.createSocket(s, consumed, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return apply(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return apply(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return apply(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return apply(delegate.createSocket(address, port, localAddress, localPort));
        }
    }

    private static final class PolicyServerSocketFactory extends SSLServerSocketFactory {
        private final SSLServerSocketFactory delegate;
        private final SSLParameters policy;

        PolicyServerSocketFactory(SSLServerSocketFactory delegate, SSLParameters policy) {
            this.delegate = delegate;
            this.policy = policy;
        }

        private ServerSocket apply(ServerSocket socket) {
            ((SSLServerSocket) socket).setSSLParameters(copy(policy));
            return socket;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return policy.getCipherSuites().clone();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public ServerSocket createServerSocket() throws IOException {
            return apply(delegate.createServerSocket());
        }

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            return apply(delegate.createServerSocket(port));
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog) throws IOException {
            return apply(delegate.createServerSocket(port, backlog));
        }

        @Override
        public ServerSocket createServerSocket(int port, int backlog, InetAddress ifAddress) throws IOException {
            return apply(delegate.createServerSocket(port, backlog, ifAddress));
        }
    }
}
