package vn.lienthong.appliance.axis.transport;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Hands one whole request to the {@link AxisHandler} on a virtual thread and writes its answer back; the event
 * loop only copies bytes. The request's place among those in progress was taken by {@link RequestAdmission}
 * before its body was read, and is given back here once the handler has answered. On HTTP/1.1 it asks for the
 * next request once the answer is written.
 */
final class AxisExchange extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final System.Logger LOG = System.getLogger(AxisServer.class.getName());
    private static final Set<String> SERVER_SET_HEADERS = Set.of(
            "content-type", "content-length", "connection", "transfer-encoding", "keep-alive", "upgrade");

    private final AxisHandler handler;
    private final ExecutorService handlers;
    private final boolean oneRequestAtATime;
    // Event loop only: a read was asked for and no request has come of it yet.
    private boolean awaitingRequest;

    /**
     * @param oneRequestAtATime true on HTTP/1.1, where the channel does not read by itself: this handler asks for
     *                          the next request (the pipeline has asked for the first one)
     */
    AxisExchange(AxisHandler handler, ExecutorService handlers, boolean oneRequestAtATime) {
        this.handler = handler;
        this.handlers = handlers;
        this.oneRequestAtATime = oneRequestAtATime;
        this.awaitingRequest = oneRequestAtATime;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // A read that ended without a whole request (a partial one, or TLS records only) must be asked for again.
        if (awaitingRequest) {
            ctx.read();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest message) {
        awaitingRequest = false;
        RequestAdmission.Permit permit = ctx.channel().attr(RequestAdmission.PERMIT).getAndSet(null);
        if (permit == null) {
            // Admission answered and let go of this request already (it was cut off); nothing to do.
            return;
        }
        if (!message.decoderResult().isSuccess()) {
            permit.release();
            answer(ctx, plain(400, "the request is not valid HTTP"), true);
            return;
        }
        AxisRequest request;
        try {
            request = new AxisRequest(message.method().name(), new QueryStringDecoder(message.uri()).rawPath(),
                    headers(message.headers()), ByteBufUtil.getBytes(message.content()), peerChain(ctx.channel()));
        } catch (SSLPeerUnverifiedException e) {
            // Cannot happen with client authentication required; refuse rather than run without an identity.
            permit.release();
            answer(ctx, plain(403, "the connection carries no verified client certificate"), true);
            return;
        }
        try {
            handlers.execute(() -> {
                AxisResponse response;
                try {
                    response = handler.handle(request);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "the axis handler failed on " + request.method() + " "
                            + request.path(), e);
                    response = plain(500, "the appliance could not process the request; it was not accepted");
                } finally {
                    permit.release();
                }
                answer(ctx, response, false);
            });
        } catch (RejectedExecutionException e) {
            permit.release();
            answer(ctx, busy(), true);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(System.Logger.Level.DEBUG, "axis exchange with {0} closed after an error: {1}",
                ctx.channel().remoteAddress(), cause.getMessage());
        ctx.close();
    }

    // Safe from any thread: Netty runs the write on the channel's event loop.
    private void answer(ChannelHandlerContext ctx, AxisResponse response, boolean close) {
        ChannelFuture written = ctx.writeAndFlush(http(response, close));
        if (close) {
            written.addListener(ChannelFutureListener.CLOSE);
        } else if (oneRequestAtATime) {
            written.addListener(done -> {
                if (done.isSuccess()) {
                    awaitingRequest = true;
                    ctx.read();
                }
            });
        }
    }

    /** The HTTP form of an answer; {@code close} adds {@code Connection: close}. */
    static FullHttpResponse http(AxisResponse response, boolean close) {
        FullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(response.status()), Unpooled.wrappedBuffer(response.body()));
        response.headers().forEach((name, value) -> {
            if (!SERVER_SET_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                out.headers().add(name, value);
            }
        });
        if (response.contentType() != null) {
            out.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
        }
        out.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.body().length);
        if (close) {
            out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return out;
    }

    private static Map<String, String> headers(HttpHeaders headers) {
        Map<String, String> byName = new LinkedHashMap<>();
        for (Map.Entry<String, String> header : headers) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            // Netty's HTTP/2 to HTTP/1 conversion adds its own x-http2-* headers; they are not the client's.
            if (!name.startsWith("x-http2-")) {
                byName.merge(name, header.getValue(), (first, next) -> first + ", " + next);
            }
        }
        return byName;
    }

    private static List<X509Certificate> peerChain(Channel channel) throws SSLPeerUnverifiedException {
        Channel connection = channel instanceof Http2StreamChannel stream ? stream.parent() : channel;
        SslHandler tls = connection.pipeline().get(SslHandler.class);
        List<X509Certificate> chain = new ArrayList<>();
        for (Certificate c : tls.engine().getSession().getPeerCertificates()) {
            chain.add((X509Certificate) c);
        }
        if (chain.isEmpty()) {
            throw new SSLPeerUnverifiedException("no client certificate");
        }
        return chain;
    }

    static AxisResponse plain(int status, String sentence) {
        return AxisResponse.of(status, "text/plain; charset=utf-8", (sentence + "\n").getBytes(StandardCharsets.UTF_8));
    }

    static AxisResponse busy() {
        return new AxisResponse(503, "text/plain; charset=utf-8",
                "the appliance is busy; try again shortly\n".getBytes(StandardCharsets.UTF_8),
                Map.of("retry-after", "1"));
    }
}
