package vn.lienthong.appliance.axis.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.X509TrustManager;
import vn.lienthong.appliance.tls.HandshakeSigners;
import vn.lienthong.appliance.tls.NettySslContexts;
import vn.lienthong.appliance.tls.TlsEngine;
import vn.lienthong.appliance.tls.TlsHandshakeListener;
import vn.lienthong.hsm.token.TokenKey;

/**
 * The axis transport listener: HTTPS with mutual TLS on BoringSSL by default (key in the HSM), HTTP/2 or HTTP/1.1 as ALPN
 * decides, each request read whole (up to a limit) and handed to an {@link AxisHandler} on a virtual thread.
 */
public final class AxisServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(AxisServer.class.getName());

    private final AxisServerSettings settings;
    private final AtomicReference<SslContext> sslContext;
    private final EventLoopGroup acceptor;
    private final EventLoopGroup workers;
    private final ExecutorService handlers;
    private final ChannelGroup connections;
    private final Channel listening;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final TlsEngine engine;
    private final HandshakeSigners signers;
    /** Whether this server made its signers (and so closes them). */
    private final boolean ownSigners;

    private AxisServer(AxisServerSettings settings, SslContext sslContext, AxisHandler handler,
            TlsHandshakeListener handshakes, TlsEngine engine, HandshakeSigners signers, boolean ownSigners) {
        this.settings = settings;
        this.engine = engine;
        this.signers = signers;
        this.ownSigners = ownSigners;
        this.sslContext = new AtomicReference<>(sslContext);
        this.acceptor = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("axis-accept"),
                NioIoHandler.newFactory());
        this.workers = new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("axis-io"),
                NioIoHandler.newFactory());
        this.handlers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("axis-handler-", 0).factory());
        this.connections = new DefaultChannelGroup("axis-connections", GlobalEventExecutor.INSTANCE);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptor, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childHandler(new AxisPipeline(settings, this.sslContext::get, handler, handshakes, handlers, connections));
        try {
            this.listening = bootstrap.bind(settings.host(), settings.port()).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            shutdownThreads(Duration.ZERO);
            throw new IllegalStateException("the axis listener cannot listen on " + settings.host() + ":"
                    + settings.port() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Starts listening with {@code tlsKey} as the server's identity and {@code clientTrust} deciding which client
     * certificates are accepted.
     *
     * @param handshakes told of every handshake's outcome (use {@link TlsHandshakeListener#NONE} to ignore them)
     * @throws IllegalStateException if BoringSSL is missing or the address cannot be bound
     */
    public static AxisServer start(AxisServerSettings settings, TokenKey tlsKey, X509TrustManager clientTrust,
            AxisHandler handler, TlsHandshakeListener handshakes) {
        return start(settings, tlsKey, clientTrust, handler, handshakes, TlsEngine.BORINGSSL);
    }

    /**
     * As {@link #start(AxisServerSettings, TokenKey, X509TrustManager, AxisHandler, TlsHandshakeListener)}, on the
     * given TLS engine, with {@value HandshakeSigners#DEFAULT_SIGNERS} handshake signers of its own.
     */
    public static AxisServer start(AxisServerSettings settings, TokenKey tlsKey, X509TrustManager clientTrust,
            AxisHandler handler, TlsHandshakeListener handshakes, TlsEngine engine) {
        HandshakeSigners own = HandshakeSigners.withDefaults();
        try {
            return start(settings, tlsKey, clientTrust, handler, handshakes, engine, own, true);
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
    }

    /**
     * As {@link #start(AxisServerSettings, TokenKey, X509TrustManager, AxisHandler, TlsHandshakeListener)}, each
     * handshake's HSM signature made by one of {@code signers} (which the caller closes after this server).
     */
    public static AxisServer start(AxisServerSettings settings, TokenKey tlsKey, X509TrustManager clientTrust,
            AxisHandler handler, TlsHandshakeListener handshakes, HandshakeSigners signers) {
        return start(settings, tlsKey, clientTrust, handler, handshakes, TlsEngine.BORINGSSL, signers, false);
    }

    private static AxisServer start(AxisServerSettings settings, TokenKey tlsKey, X509TrustManager clientTrust,
            AxisHandler handler, TlsHandshakeListener handshakes, TlsEngine engine, HandshakeSigners signers,
            boolean ownSigners) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(handshakes, "handshakes");
        SslContext sslContext = NettySslContexts.server(tlsKey, clientTrust, engine, signers);
        try {
            return new AxisServer(settings, sslContext, handler, handshakes, engine, signers, ownSigners);
        } catch (RuntimeException e) {
            ReferenceCountUtil.release(sslContext);
            throw e;
        }
    }

    /** The address actually bound (its port is the chosen one when the settings said 0). */
    public InetSocketAddress address() {
        return (InetSocketAddress) listening.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    /**
     * Stops accepting connections, lets requests in progress finish and answer (up to the shutdown grace),
     * then closes every connection (HTTP/2 peers get a GOAWAY) and the network threads.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        listening.close().syncUninterruptibly();
        handlers.shutdown();
        try {
            if (!handlers.awaitTermination(settings.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "axis requests still in progress after the shutdown grace of "
                        + settings.shutdownGrace().toSeconds() + " s are abandoned; their senders will retry");
                handlers.shutdownNow();
            }
        } catch (InterruptedException e) {
            handlers.shutdownNow();
            Thread.currentThread().interrupt();
        }
        connections.close().awaitUninterruptibly(settings.shutdownGrace().toMillis());
        shutdownThreads(settings.shutdownGrace());
        ReferenceCountUtil.release(sslContext.get());
    }

    /**
     * Presents a new TLS identity (a renewed certificate) and trust from the next connection on;
     * connections already open keep theirs until they close.
     */
    public void reloadTls(TokenKey tlsKey, X509TrustManager clientTrust) {
        SslContext previous = sslContext.getAndSet(NettySslContexts.server(tlsKey, clientTrust, engine, signers));
        // Each open connection's engine holds its own reference to the context it was made from.
        ReferenceCountUtil.release(previous);
    }

    private void shutdownThreads(Duration timeout) {
        long millis = timeout.toMillis();
        acceptor.shutdownGracefully(0, millis, TimeUnit.MILLISECONDS);
        workers.shutdownGracefully(0, millis, TimeUnit.MILLISECONDS);
        acceptor.terminationFuture().awaitUninterruptibly(millis + 1000);
        workers.terminationFuture().awaitUninterruptibly(millis + 1000);
        handlers.shutdownNow();
        if (ownSigners) {
            signers.close();
        }
    }
}
