package vn.lienthong.appliance.axis.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.nio.charset.StandardCharsets;

/** Reads a request whole, answering 413 with a plain sentence when its body is larger than the limit. */
final class BodyLimitAggregator extends HttpObjectAggregator {

    private final int maxBodyBytes;

    BodyLimitAggregator(int maxBodyBytes) {
        super(maxBodyBytes);
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) throws Exception {
        if (!(oversized instanceof HttpRequest)) {
            super.handleOversizedMessage(ctx, oversized);
            return;
        }
        byte[] text = ("the request body is larger than this appliance accepts (" + maxBodyBytes + " bytes)\n")
                .getBytes(StandardCharsets.UTF_8);
        FullHttpResponse tooLarge = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.wrappedBuffer(text));
        tooLarge.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, text.length);
        if (ctx.channel() instanceof Http2StreamChannel) {
            // The rest of the stream's body is read and dropped; other streams on the connection go on.
            ctx.writeAndFlush(tooLarge);
        } else {
            // Reading on to find where the body ends would mean receiving it anyway: end the connection.
            tooLarge.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ChannelFuture written = ctx.writeAndFlush(tooLarge);
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
