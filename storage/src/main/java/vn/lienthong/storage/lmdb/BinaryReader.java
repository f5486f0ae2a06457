package vn.lienthong.storage.lmdb;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Reads what {@link BinaryWriter} wrote. A reader over a buffer that points into the LMDB map is
 * valid only inside its transaction; everything it returns is a copy.
 */
public final class BinaryReader {

    private final ByteBuffer buffer;

    public BinaryReader(ByteBuffer source) {
        // duplicate(): our own position, and big-endian whatever the source's order.
        this.buffer = source.duplicate();
    }

    public BinaryReader(byte[] source) {
        this(ByteBuffer.wrap(source));
    }

    public int u8() {
        return buffer.get() & 0xff;
    }

    public int i32() {
        return buffer.getInt();
    }

    public long i64() {
        return buffer.getLong();
    }

    public Instant instant() {
        long seconds = buffer.getLong() ^ Long.MIN_VALUE;
        return Instant.ofEpochSecond(seconds, buffer.getInt());
    }

    public Instant nullableInstant() {
        return present() ? instant() : null;
    }

    public String text() {
        return new String(bytes(), StandardCharsets.UTF_8);
    }

    public String nullableText() {
        return present() ? text() : null;
    }

    public byte[] bytes() {
        int size = buffer.getInt();
        if (size < 0 || size > buffer.remaining()) {
            throw new IllegalStateException("A stored record is damaged: a length runs past its end.");
        }
        byte[] value = new byte[size];
        buffer.get(value);
        return value;
    }

    public byte[] nullableBytes() {
        return present() ? bytes() : null;
    }

    /** Reads a record's version byte and refuses a format this code does not know. */
    public BinaryReader expectVersion(int version) {
        int found;
        try {
            found = u8();
        } catch (BufferUnderflowException e) {
            throw new IllegalStateException("A stored record is empty.", e);
        }
        if (found != version) {
            throw new IllegalStateException("A stored record has format version " + found
                    + " but this lienthong reads version " + version + ": run the lienthong version that wrote it.");
        }
        return this;
    }

    public int remaining() {
        return buffer.remaining();
    }

    private boolean present() {
        int flag = u8();
        if (flag > 1) {
            throw new IllegalStateException("A stored record is damaged: bad presence flag " + flag + ".");
        }
        return flag == 1;
    }
}
