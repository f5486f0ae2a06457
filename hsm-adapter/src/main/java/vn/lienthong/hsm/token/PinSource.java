package vn.lienthong.hsm.token;

import java.nio.file.Path;

/**
 * Where a token's user PIN comes from: an environment variable or a file (first line, trimmed).
 * The PIN itself is never part of a message, a log line or {@code toString()}.
 */
public sealed interface PinSource {

    /** Reads the PIN; throws {@link vn.lienthong.hsm.HsmException} naming the source (not the PIN) when absent. */
    char[] read();

    /** The PIN is the value of an environment variable. */
    record Environment(String variable) implements PinSource {
        @Override
        public char[] read() {
            throw new UnsupportedOperationException("TODO");
        }
    }

    /** The PIN is the first line of a file, which should be readable by the appliance's user only. */
    record File(Path path) implements PinSource {
        @Override
        public char[] read() {
            throw new UnsupportedOperationException("TODO");
        }
    }

    /** Parses {@code env:NAME} or {@code file:PATH}. */
    static PinSource parse(String spec) {
        throw new UnsupportedOperationException("TODO");
    }
}
