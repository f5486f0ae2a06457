package vn.lienthong.appliance.axis.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.channel.group.ChannelGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import vn.lienthong.appliance.admission.ConnectionCount;
import vn.lienthong.appliance.tls.TlsHandshakeListener;

/**
 * Each connection's pipeline, top to bottom: admission by the connection limits (in all and per address), TLS,
 * handshake reporting, idle timeout, then (once ALPN has chosen) HTTP/2 with one child pipeline per stream (at most
 * {@code max-concurrent-streams} at once) or HTTP/1.1 one request at a time, each going through
 * {@link RequestAdmission} before its body is read and ending in {@link AxisExchange}.
 */
final class AxisPipeline extends ChannelInitializer<SocketChannel> {

    private static final System.Logger LOG = System.getLogger(AxisServer.class.getName());
    private static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;
    private static final int MAX_INITIAL_LINE_BYTES = 4096;
    private static final int MAX_HEADER_BYTES = 16 * 1024;
    private static final int MAX_CHUNK_BYTES = 64 * 1024;

    private final AxisServerSettings settings;
    private final Supplier<SslContext> sslContext;
    private final AxisHandler handler;
    private final HandshakeReporter handshakes;
    private final TlsHandshakeListener handshakeListener;
    private final ConnectionCount connectionCount;
    private final ExecutorService handlers;
    private final ChannelGroup connections;
    private final Semaphore inProgress;

    AxisPipeline(AxisServerSettings settings, Supplier<SslContext> sslContext, AxisHandler handler,
            TlsHandshakeListener handshakes, ExecutorService handlers, ChannelGroup connections) {
        this.settings = settings;
        this.sslContext = sslContext;
        this.handler = handler;
        this.handshakes = new HandshakeReporter(handshakes);
        this.handshakeListener = handshakes;
        this.connectionCount = new ConnectionCount(settings.limits());
        this.handlers = handlers;
        this.connections = connections;
        this.inProgress = new Semaphore(settings.maxConcurrentRequests());
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        // Before TLS: a connection over the limits costs neither a handshake nor an HSM signature.
        InetSocketAddress remote = ch.remoteAddress();
        InetAddress address = remote.getAddress();
        ConnectionCount.Admission admission = connectionCount.admit(address);
        if (admission != ConnectionCount.Admission.ADMITTED) {
            ch.close();
            report(new TlsHandshakeListener.Refused(remote, admission.outcome(), "the axis listener refused a connection"
                    + " from " + address.getHostAddress() + ": " + (admission == ConnectionCount.Admission.TOO_MANY_CONNECTIONS
                    ? settings.limits().maxConnections() + " connections are open"
                    : settings.limits().maxConnectionsPerAddress() + " connections from that address are open")));
            return;
        }
        ch.closeFuture().addListener(closed -> connectionCount.release(address));
        connections.add(ch);
        // The current context: a reloaded certificate is presented from the next connection on.
        SslHandler tls = sslContext.get().newHandler(ch.alloc());
        tls.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS);
        ch.pipeline().addLast("tls", tls)
                .addLast("handshakes", handshakes)
                .addLast("idle", new IdleStateHandler(0, 0, settings.idleTimeout().toMillis(), TimeUnit.MILLISECONDS))
                .addLast("alpn", new ProtocolSelector());
    }

    private void report(TlsHandshakeListener.Outcome outcome) {
        try {
            handshakeListener.handshake(outcome);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the TLS handshake listener failed: " + e);
        }
    }

    private AxisExchange exchange(boolean oneRequestAtATime) {
        return new AxisExchange(handler, handlers, oneRequestAtATime);
    }

    private RequestAdmission admission(boolean oneRequestAtATime) {
        return new RequestAdmission(settings.limits(), inProgress, oneRequestAtATime);
    }

    /** Sets up HTTP/2 or HTTP/1.1 once the handshake has chosen one. */
    private final class ProtocolSelector extends ApplicationProtocolNegotiationHandler {

        ProtocolSelector() {
            super(ApplicationProtocolNames.HTTP_1_1);
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                Http2Settings limits = Http2Settings.defaultSettings()
                        .maxConcurrentStreams(settings.limits().maxConcurrentStreams())
                        .maxHeaderListSize(MAX_HEADER_BYTES);
                ctx.pipeline().addLast(Http2FrameCodecBuilder.forServer().initialSettings(limits).build(),
                        new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                            @Override
                            protected void initChannel(Http2StreamChannel stream) {
                                stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true),
                                        admission(false),
                                        new BodyLimitAggregator(settings.maxBodyBytes()),
                                        exchange(false));
                            }
                        }),
                        new ConnectionGuard());
            } else if (ApplicationProtocolNames.HTTP_1_1.equals(protocol)) {
                // HTTP/1.1 answers must come in request order (RFC 9112 §9.3.2): read the next request only
                // after the previous answer is written, which also stops a client piling up requests.
                ctx.pipeline().addLast(new HttpServerCodec(MAX_INITIAL_LINE_BYTES, MAX_HEADER_BYTES, MAX_CHUNK_BYTES),
                        new HttpServerKeepAliveHandler(),
                        admission(true),
                        new BodyLimitAggregator(settings.maxBodyBytes()),
                        new FlowControlHandler(),
                        exchange(true),
                        new ConnectionGuard());
                ctx.channel().config().setAutoRead(false);
                ctx.channel().read();
            } else {
                ctx.close();
            }
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            // Already reported by the HandshakeReporter; nothing more to say here.
            ctx.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.log(System.Logger.Level.DEBUG, "axis connection from {0} failed before HTTP began: {1}",
                    ctx.channel().remoteAddress(), cause.getMessage());
            ctx.close();
        }
    }

    /** The end of a connection's pipeline: closes it when idle or when an error reaches here. */
    private static final class ConnectionGuard extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent) {
                ctx.close();
            } else {
                super.userEventTriggered(ctx, evt);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.log(System.Logger.Level.DEBUG, "axis connection from {0} closed after an error: {1}",
                    ctx.channel().remoteAddress(), cause.getMessage());
            ctx.close();
        }
    }
}
