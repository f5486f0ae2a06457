package vn.lienthong.appliance.admission;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Semaphore;
import vn.lienthong.appliance.api.Problem;
import vn.lienthong.appliance.api.ProblemException;

/**
 * {@link ListenerLimits} on a Helidon listener (the local and operator APIs). Helidon's own options give the
 * connection limit ({@code maxTcpConnections}), the requests in progress ({@code maxConcurrentRequests}, taken
 * before the handler reads a body) and a read timeout, set to the header timeout, which bounds every wait for
 * the client's next bytes; what Helidon lacks is added here: connections per address (counted around each
 * HTTP/1.1 connection, after its TLS handshake) and the minimum body rate (a filter over the request's body
 * stream, which answers 408 {@code body-too-slow}). These listeners speak HTTP/1.1 only, so a connection carries
 * one stream.
 */
public final class HelidonAdmission {

    private final ListenerLimits limits;
    private final ConnectionCount connections;
    private final java.util.function.Consumer<String> refusals;

    public HelidonAdmission(ListenerLimits limits) {
        this(limits, outcome -> { });
    }

    /** @param refusals told the outcome label of each connection refused by a limit ({@code address-limit}) */
    public HelidonAdmission(ListenerLimits limits, java.util.function.Consumer<String> refusals) {
        this.limits = limits;
        this.connections = new ConnectionCount(limits);
        this.refusals = refusals;
    }

    /** Applies the connection limits and the timeouts to a listener's builder. */
    public <B extends WebServerConfig.Builder> B configure(B server) {
        server.maxTcpConnections(limits.maxConnections())
                .maxConcurrentRequests(limits.maxConcurrentRequests())
                .connectionOptions(options -> options.readTimeout(limits.requestHeaderTimeout()))
                .addConnectionSelector(new CountedHttp1(Http1ConnectionSelector.builder().config(Http1Config.create()).build()));
        return server;
    }

    /** The routing filter that cuts off a body arriving slower than the minimum rate. */
    public Filter bodyRate() {
        return new BodyRateFilter();
    }

    private final class BodyRateFilter implements Filter {
        @Override
        public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
            req.streamFilter(body -> new MinimumRate(body, System.nanoTime()));
            chain.proceed();
        }
    }

    /** A body stream that refuses to go on once the body has come slower than the minimum rate. */
    private final class MinimumRate extends FilterInputStream {
        private final long startNanos;
        private long bytes;

        MinimumRate(InputStream body, long startNanos) {
            super(body);
            this.startNanos = startNanos;
        }

        @Override
        public int read() throws IOException {
            int b = guarded(() -> super.read());
            if (b >= 0) {
                counted(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = guarded(() -> super.read(buffer, offset, length));
            if (n > 0) {
                counted(n);
            }
            return n;
        }

        private void counted(int n) {
            bytes += n;
            if (limits.bodyTooSlow(bytes, System.nanoTime() - startNanos)) {
                throw tooSlow();
            }
        }

        private interface Read {
            int read() throws IOException;
        }

        // A read that waited past the socket's read timeout is a body too slow, not a failure of the appliance.
        private int guarded(Read read) throws IOException {
            try {
                return read.read();
            } catch (IOException | RuntimeException e) {
                for (Throwable t = e; t != null; t = t.getCause()) {
                    if (t instanceof SocketTimeoutException) {
                        throw tooSlow();
                    }
                }
                throw e;
            }
        }
    }

    private ProblemException tooSlow() {
        return new ProblemException(Problem.of(408, "body-too-slow", "Request body too slow",
                "the request body arrived slower than " + limits.minBodyRateBytesPerSecond()
                        + " bytes a second; send it again faster"));
    }

    /** Helidon's HTTP/1.1 selector, each connection counted by its client's address while it is served. */
    private final class CountedHttp1 implements ServerConnectionSelector {
        private final ServerConnectionSelector http1;

        CountedHttp1(ServerConnectionSelector http1) {
            this.http1 = http1;
        }

        @Override
        public int bytesToIdentifyConnection() {
            return http1.bytesToIdentifyConnection();
        }

        @Override
        public Support supports(BufferData prologue) {
            return http1.supports(prologue);
        }

        @Override
        public Set<String> supportedApplicationProtocols() {
            return http1.supportedApplicationProtocols();
        }

        @Override
        public ServerConnection connection(ConnectionContext ctx) {
            ServerConnection served = http1.connection(ctx);
            InetAddress address = ctx.remotePeer().address() instanceof InetSocketAddress inet
                    ? inet.getAddress() : InetAddress.getLoopbackAddress();
            return new CountedConnection(served, address);
        }
    }

    private final class CountedConnection implements ServerConnection {
        private final ServerConnection served;
        private final InetAddress address;

        CountedConnection(ServerConnection served, InetAddress address) {
            this.served = served;
            this.address = address;
        }

        @Override
        public void handle(Semaphore requestSemaphore) throws InterruptedException {
            if (admitted()) {
                try {
                    served.handle(requestSemaphore);
                } finally {
                    connections.release(address);
                }
            }
        }

        @Override
        public void handle(Limit limit) throws InterruptedException {
            if (admitted()) {
                try {
                    served.handle(limit);
                } finally {
                    connections.release(address);
                }
            }
        }

        // Over the limit, the connection is closed unserved: returning from handle ends it.
        private boolean admitted() {
            ConnectionCount.Admission admission = connections.admit(address);
            if (admission == ConnectionCount.Admission.ADMITTED) {
                return true;
            }
            refusals.accept(admission.outcome());
            served.close(true);
            return false;
        }

        @Override
        public Duration idleTime() {
            return served.idleTime();
        }

        @Override
        public void close(boolean interrupt) {
            served.close(interrupt);
        }
    }
}
