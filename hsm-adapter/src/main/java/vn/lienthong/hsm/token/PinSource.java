package vn.lienthong.hsm.token;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Set;
import vn.lienthong.hsm.HsmException;

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
            String value = System.getenv(variable);
            if (value == null) {
                throw new HsmException("the environment variable " + variable
                        + " that should hold the token PIN is not set");
            }
            char[] pin = value.strip().toCharArray();
            if (pin.length == 0) {
                throw new HsmException("the environment variable " + variable
                        + " that should hold the token PIN is empty");
            }
            return pin;
        }
    }

    /** The PIN is the first line of a file, which must not be readable by group or others. */
    record File(Path path) implements PinSource {
        @Override
        public char[] read() {
            byte[] bytes;
            try {
                refuseIfOthersCanRead(path);
                bytes = Files.readAllBytes(path);
            } catch (NoSuchFileException e) {
                throw new HsmException("the PIN file " + path + " does not exist");
            } catch (AccessDeniedException e) {
                throw new HsmException("the PIN file " + path + " cannot be read: permission denied");
            } catch (IOException e) {
                throw new HsmException("the PIN file " + path + " cannot be read: " + e.getMessage());
            }
            // Decode without a String so that the PIN does not linger in the string pool or heap copies.
            CharBuffer chars;
            try {
                chars = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes));
            } catch (CharacterCodingException e) {
                throw new HsmException("the PIN file " + path + " is not UTF-8 text");
            } finally {
                Arrays.fill(bytes, (byte) 0);
            }
            char[] all = new char[chars.remaining()];
            chars.get(all);
            Arrays.fill(chars.array(), '\0');
            try {
                int end = 0;
                while (end < all.length && all[end] != '\n' && all[end] != '\r') {
                    end++;
                }
                int start = 0;
                while (start < end && Character.isWhitespace(all[start])) {
                    start++;
                }
                while (end > start && Character.isWhitespace(all[end - 1])) {
                    end--;
                }
                if (start == end) {
                    throw new HsmException("the PIN file " + path + " is empty");
                }
                return Arrays.copyOfRange(all, start, end);
            } finally {
                Arrays.fill(all, '\0');
            }
        }
    }

    /**
     * A PIN that group or others can read is as good as published on a shared server, so such a file is
     * refused before it is read. File systems without POSIX permissions are not checked.
     */
    private static void refuseIfOthersCanRead(Path path) throws IOException {
        if (!Files.getFileStore(path).supportsFileAttributeView(PosixFileAttributeView.class)) {
            return;
        }
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
        if (permissions.contains(PosixFilePermission.GROUP_READ)
                || permissions.contains(PosixFilePermission.OTHERS_READ)) {
            throw new HsmException("the PIN file " + path + " has mode " + octal(permissions)
                    + ", readable by group or others: make it readable by the appliance's user only (chmod 600)");
        }
    }

    private static String octal(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission permission : permissions) {
            // PosixFilePermission lists owner r,w,x then group then others: bit 8 down to bit 0.
            mode |= 1 << (8 - permission.ordinal());
        }
        return String.format("%03o", mode);
    }

    /** Parses {@code env:NAME} or {@code file:PATH}; IllegalArgumentException with a plain sentence otherwise. */
    static PinSource parse(String spec) {
        if (spec != null && spec.startsWith("env:") && spec.length() > "env:".length()) {
            return new Environment(spec.substring("env:".length()));
        }
        if (spec != null && spec.startsWith("file:") && spec.length() > "file:".length()) {
            return new File(Path.of(spec.substring("file:".length())));
        }
        // The spec is not echoed: an operator who typed the PIN itself here must not see it in a log.
        throw new IllegalArgumentException(
                "the PIN source is not understood: use env:VARIABLE or file:/path/to/pin");
    }
}
