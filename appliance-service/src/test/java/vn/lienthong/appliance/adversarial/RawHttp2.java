package vn.lienthong.appliance.adversarial;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import javax.net.ssl.SSLSocket;

/**
 * HTTP/2 frames written and read by hand over a TLS socket (ALPN h2), as a client that ignores the server's
 * limits would: it opens streams without counting them. For attack tests only.
 */
public final class RawHttp2 implements AutoCloseable {

    public static final int DATA = 0x0;
    public static final int HEADERS = 0x1;
    public static final int RST_STREAM = 0x3;
    public static final int SETTINGS = 0x4;
    public static final int GOAWAY = 0x7;
    public static final int SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
    public static final int REFUSED_STREAM = 0x7;
    private static final int END_STREAM = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int ACK = 0x1;

    /** One frame as read. */
    public record Frame(int type, int flags, int streamId, byte[] payload) {
        /** The error code of a RST_STREAM frame. */
        public int errorCode() {
            return ((payload[0] & 0xff) << 24) | ((payload[1] & 0xff) << 16) | ((payload[2] & 0xff) << 8)
                    | (payload[3] & 0xff);
        }

        /** A SETTINGS frame's value of {@code id}, or -1. */
        public long setting(int id) {
            for (int i = 0; i + 6 <= payload.length; i += 6) {
                int key = ((payload[i] & 0xff) << 8) | (payload[i + 1] & 0xff);
                if (key == id) {
                    return ((long) (payload[i + 2] & 0xff) << 24) | ((payload[i + 3] & 0xff) << 16)
                            | ((payload[i + 4] & 0xff) << 8) | (payload[i + 5] & 0xff);
                }
            }
            return -1;
        }
    }

    private final SSLSocket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final DefaultHttp2HeadersEncoder hpack = new DefaultHttp2HeadersEncoder();

    /** Sends the connection preface and empty SETTINGS on a socket whose ALPN chose h2. */
    public RawHttp2(SSLSocket socket) throws IOException {
        if (!"h2".equals(socket.getApplicationProtocol())) {
            throw new IOException("the server did not choose h2 but '" + socket.getApplicationProtocol() + "'");
        }
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(socket.getInputStream());
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        frame(SETTINGS, 0, 0, new byte[0]);
        out.flush();
    }

    /** Opens stream {@code streamId} with a request's headers (pseudo-headers included in {@code headers}). */
    public synchronized void headers(int streamId, Map<String, String> headers, boolean endStream)
            throws IOException {
        Http2Headers h2 = new DefaultHttp2Headers();
        headers.forEach(h2::add);
        ByteBuf block = Unpooled.buffer();
        try {
            hpack.encodeHeaders(streamId, h2, block);
            byte[] bytes = new byte[block.readableBytes()];
            block.readBytes(bytes);
            frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), streamId, bytes);
            out.flush();
        } catch (Http2Exception e) {
            throw new IOException("cannot encode the headers: " + e.getMessage(), e);
        } finally {
            block.release();
        }
    }

    /** Acknowledges the server's SETTINGS (a well-behaved part of the client, so the server keeps talking). */
    public synchronized void acknowledgeSettings() throws IOException {
        frame(SETTINGS, ACK, 0, new byte[0]);
        out.flush();
    }

    /** The next frame from the server; blocks up to the socket's read timeout. */
    public Frame read() throws IOException {
        int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int streamId = in.readInt() & 0x7fffffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        return new Frame(type, flags, streamId, payload);
    }

    private void frame(int type, int flags, int streamId, byte[] payload) throws IOException {
        byte[] header = {
            (byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
            (byte) type, (byte) flags,
            (byte) (streamId >>> 24), (byte) (streamId >>> 16), (byte) (streamId >>> 8), (byte) streamId};
        out.write(header);
        out.write(payload);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
