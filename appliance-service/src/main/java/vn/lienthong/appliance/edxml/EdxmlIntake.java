package vn.lienthong.appliance.edxml;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * A message read from a client's stream: parsed while it streams in (so a hostile or oversized body
 * is refused after reading only as much as it takes to see that), and the exact bytes kept for
 * signing once it passed.
 */
public record EdxmlIntake(byte[] bytes, EdxmlMessage message) {

    /**
     * Parses the stream and keeps its bytes.
     *
     * @throws EdxmlRejectedException when the message breaks a rule or a limit; the rest of the stream is left unread
     */
    public static EdxmlIntake read(InputStream body, EdxmlLimits limits) {
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        InputStream tee = new FilterInputStream(body) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    copy.write(b);
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    copy.write(b, off, n);
                }
                return n;
            }

            @Override
            public void close() {
                // The caller owns the body; the parser must not close it before the rest is drained.
            }
        };
        EdxmlMessage message = EdxmlMessage.read(tee, limits);
        try {
            // The parser may stop at the root's end tag: what follows (whitespace) is part of the signed bytes.
            byte[] rest = body.readNBytes((int) Math.max(0, Math.min(Integer.MAX_VALUE - 8, limits.maxBytes() - copy.size() + 1)));
            copy.write(rest, 0, rest.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (copy.size() > limits.maxBytes()) {
            throw new EdxmlRejectedException(null, "size", "the document is more than the limit of "
                    + limits.maxBytes() + " bytes");
        }
        return new EdxmlIntake(copy.toByteArray(), message);
    }
}
