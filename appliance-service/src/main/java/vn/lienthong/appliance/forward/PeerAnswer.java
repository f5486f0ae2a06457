package vn.lienthong.appliance.forward;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the forwarder takes of a peer appliance's answer: at most {@link #MAX_BYTES} (a receipt is a
 * few KiB; more is refused, never read into memory), and for the log and the delivery's last error at
 * most one line of it, shortened, with control characters removed so that a peer cannot forge log lines.
 */
final class PeerAnswer {

    /** The most of an answer read: a signed receipt is a few KiB, a problem answer less. */
    static final int MAX_BYTES = 256 * 1024;
    /** The most of an answer quoted in a log line or a delivery's last error. */
    static final int MAX_QUOTED_CHARS = 200;

    private final AtomicInteger status = new AtomicInteger();

    /** Reads the body into memory up to {@link #MAX_BYTES}; a longer body fails the exchange with an IOException. */
    HttpResponse.BodyHandler<byte[]> handler() {
        return info -> {
            status.set(info.statusCode());
            return HttpResponse.BodySubscribers.limiting(HttpResponse.BodySubscribers.ofByteArray(), MAX_BYTES);
        };
    }

    /** The status the peer answered with, or 0 if no answer began (the exchange failed before). */
    int status() {
        return status.get();
    }

    /** The first line of {@code body}, at most {@link #MAX_QUOTED_CHARS} characters, without control characters. */
    static String oneLine(byte[] body) {
        // Malformed UTF-8 becomes U+FFFD; only the start is decoded, the rest is never quoted.
        return oneLine(new String(body, 0, Math.min(body.length, MAX_QUOTED_CHARS * 4), StandardCharsets.UTF_8));
    }

    /** {@code text} up to its first line break, shortened, control and format characters (bidi overrides) removed. */
    static String oneLine(String text) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < text.length() && line.length() < MAX_QUOTED_CHARS; ) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (c == '\n' || c == '\r') {
                return line.toString().strip() + (i < text.length() ? " …" : "");
            }
            int type = Character.getType(c);
            if (type != Character.CONTROL && type != Character.FORMAT) {
                line.appendCodePoint(c);
            }
        }
        return line.length() >= MAX_QUOTED_CHARS && text.length() > MAX_QUOTED_CHARS ? line + " …" : line.toString();
    }
}
