package vn.lienthong.storage.lmdb;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * Builds big-endian binary keys and records: fixed-width integers, length-prefixed UTF-8 text and
 * bytes, and instants that sort in time order when compared as unsigned bytes (as LMDB compares keys).
 */
public final class BinaryWriter {

    private byte[] bytes;
    private int length;

    /** Room for most keys (LMDB's longest is 511 bytes) without growing. */
    public BinaryWriter() {
        this(256);
    }

    public BinaryWriter(int expectedBytes) {
        bytes = new byte[Math.max(16, expectedBytes)];
    }

    public BinaryWriter u8(int value) {
        ensure(1);
        bytes[length++] = (byte) value;
        return this;
    }

    public BinaryWriter i32(int value) {
        ensure(4);
        for (int shift = 24; shift >= 0; shift -= 8) {
            bytes[length++] = (byte) (value >>> shift);
        }
        return this;
    }

    public BinaryWriter i64(long value) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            bytes[length++] = (byte) (value >>> shift);
        }
        return this;
    }

    /** Seconds with the sign bit flipped, then nanoseconds: unsigned byte order is time order. */
    public BinaryWriter instant(Instant value) {
        return i64(value.getEpochSecond() ^ Long.MIN_VALUE).i32(value.getNano());
    }

    public BinaryWriter nullableInstant(Instant value) {
        return value == null ? u8(0) : u8(1).instant(value);
    }

    /** UTF-8 with a 32-bit length prefix, so that a text is never a prefix of a longer one's encoding. */
    public BinaryWriter text(String value) {
        return bytes(value.getBytes(StandardCharsets.UTF_8));
    }

    public BinaryWriter nullableText(String value) {
        return value == null ? u8(0) : u8(1).text(value);
    }

    public BinaryWriter bytes(byte[] value) {
        i32(value.length);
        return raw(value);
    }

    public BinaryWriter nullableBytes(byte[] value) {
        return value == null ? u8(0) : u8(1).bytes(value);
    }

    /** Appends bytes without a length (for a key's last component or a prefix). */
    public BinaryWriter raw(byte[] value) {
        ensure(value.length);
        System.arraycopy(value, 0, bytes, length, value.length);
        length += value.length;
        return this;
    }

    public int length() {
        return length;
    }

    /** The bytes written; a writer made exactly as large hands over its array instead of a copy (records carry whole documents). */
    public byte[] toByteArray() {
        return length == bytes.length ? bytes : Arrays.copyOf(bytes, length);
    }

    /** A buffer ready to read over the bytes written so far (no copy): a key for {@link Transaction}. */
    public ByteBuffer toBuffer() {
        return ByteBuffer.wrap(bytes, 0, length);
    }

    private void ensure(int more) {
        if (length + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
        }
    }
}
