package vn.lienthong.appliance.axis.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.Objects;
import javax.net.ssl.SSLSession;
import vn.lienthong.appliance.tls.TlsHandshakeListener;

/** Tells the {@link TlsHandshakeListener} how each connection's handshake ended. */
@ChannelHandler.Sharable
final class HandshakeReporter extends ChannelInboundHandlerAdapter {

    private static final System.Logger LOG = System.getLogger(AxisServer.class.getName());

    private final TlsHandshakeListener listener;

    HandshakeReporter(TlsHandshakeListener listener) {
        this.listener = listener;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            TlsHandshakeListener.Outcome outcome;
            if (done.isSuccess()) {
                SslHandler tls = ctx.pipeline().get(SslHandler.class);
                SSLSession session = tls.engine().getSession();
                outcome = new TlsHandshakeListener.Succeeded(ctx.channel().remoteAddress(), session.getProtocol(),
                        session.getCipherSuite(), Objects.requireNonNullElse(tls.applicationProtocol(), ""));
            } else {
                SslHandler tls = ctx.pipeline().get(SslHandler.class);
                outcome = TlsHandshakeListener.failure(ctx.channel().remoteAddress(), done.cause(),
                        tls == null ? null : tls.engine().getSession());
            }
            try {
                listener.handshake(outcome);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "the TLS handshake listener failed: " + e);
            }
        }
        super.userEventTriggered(ctx, evt);
    }
}
