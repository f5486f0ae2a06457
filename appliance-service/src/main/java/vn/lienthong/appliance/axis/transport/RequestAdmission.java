package vn.lienthong.appliance.axis.transport;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import vn.lienthong.appliance.admission.ListenerLimits;

/**
 * Admits each request before its body is read: a place among the requests in progress is taken at its headers
 * (none free: 503 with Retry-After, and the body is never read), headers slower than the header timeout and a
 * body slower than the minimum rate are cut off with 408. One per HTTP/1.1 connection or HTTP/2 stream, on
 * its event loop; the place travels to {@link AxisExchange} in {@link #PERMIT}, which gives it back when the
 * handler has answered.
 */
final class RequestAdmission extends ChannelDuplexHandler {

    /** The place of the request being read or handled on this channel, until someone gives it back. */
    static final AttributeKey<Permit> PERMIT = AttributeKey.valueOf("lienthong-axis-request-permit");
    private static final long TICK_MILLIS = 250;

    private enum State { IDLE, HEADERS, BODY, WHOLE }

    private final ListenerLimits limits;
    private final Semaphore inProgress;
    private final boolean oneRequestAtATime;
    private State state = State.IDLE;
    private long sinceNanos;
    private long bodyBytes;
    /** An answer (413) went out while the body was still arriving: the request ends with its last byte. */
    private boolean answeredEarly;
    private boolean cutOff;
    private ScheduledFuture<?> ticks;

    /** @param oneRequestAtATime HTTP/1.1 (the header timeout applies); false for an HTTP/2 stream */
    RequestAdmission(ListenerLimits limits, Semaphore inProgress, boolean oneRequestAtATime) {
        this.limits = limits;
        this.inProgress = inProgress;
        this.oneRequestAtATime = oneRequestAtATime;
    }

    /** One place among the requests in progress, given back once whoever holds it last is done. */
    static final class Permit {
        private final Semaphore places;
        private final AtomicBoolean held = new AtomicBoolean(true);

        private Permit(Semaphore places) {
            this.places = places;
        }

        void release() {
            if (held.compareAndSet(true, false)) {
                places.release();
            }
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ticks = ctx.executor().scheduleAtFixedRate(() -> tick(ctx), TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        stop(ctx);
        super.channelInactive(ctx);
    }

    private void stop(ChannelHandlerContext ctx) {
        if (ticks != null) {
            ticks.cancel(false);
        }
        giveBack(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (cutOff) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest) {
            // A place left by a request answered early (413) passes to this one; otherwise take one.
            if (ctx.channel().attr(PERMIT).get() == null) {
                if (!inProgress.tryAcquire()) {
                    ReferenceCountUtil.release(msg);
                    refuse(ctx, AxisExchange.busy());
                    return;
                }
                ctx.channel().attr(PERMIT).set(new Permit(inProgress));
            }
            answeredEarly = false;
            bodyBytes = 0;
            sinceNanos = System.nanoTime();
            state = msg instanceof FullHttpRequest ? State.WHOLE : State.BODY;
        }
        if (msg instanceof HttpContent content && !(msg instanceof FullHttpRequest)) {
            bodyBytes += content.content().readableBytes();
            if (msg instanceof LastHttpContent) {
                state = State.WHOLE;
                if (answeredEarly) {
                    giveBack(ctx);
                    state = State.IDLE;
                }
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Bytes of a new request have come (perhaps only part of its headers): its headers' clock starts.
        if (oneRequestAtATime && state == State.IDLE) {
            state = State.HEADERS;
            sinceNanos = System.nanoTime();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse) {
            if (state == State.BODY) {
                answeredEarly = true;
            } else if (state == State.WHOLE) {
                state = State.IDLE;
            }
        }
        ctx.write(msg, promise);
    }

    private void tick(ChannelHandlerContext ctx) {
        long elapsed = System.nanoTime() - sinceNanos;
        if (state == State.HEADERS && elapsed > limits.requestHeaderTimeout().toNanos()) {
            refuse(ctx, AxisExchange.plain(408, "the request headers did not arrive within "
                    + limits.requestHeaderTimeout().toSeconds() + " s"));
        } else if (state == State.BODY && !answeredEarly && limits.bodyTooSlow(bodyBytes, elapsed)) {
            refuse(ctx, AxisExchange.plain(408, "the request body arrived slower than "
                    + limits.minBodyRateBytesPerSecond() + " bytes a second"));
        }
    }

    /** Answers and closes (the connection on HTTP/1.1, the stream on HTTP/2); nothing more is read. */
    private void refuse(ChannelHandlerContext ctx, AxisResponse response) {
        cutOff = true;
        state = State.IDLE;
        giveBack(ctx);
        if (ticks != null) {
            ticks.cancel(false);
        }
        ctx.writeAndFlush(AxisExchange.http(response, true)).addListener(ChannelFutureListener.CLOSE);
    }

    private static void giveBack(ChannelHandlerContext ctx) {
        Permit permit = ctx.channel().attr(PERMIT).getAndSet(null);
        if (permit != null) {
            permit.release();
        }
    }
}
