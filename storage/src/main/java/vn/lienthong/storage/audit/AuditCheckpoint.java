package vn.lienthong.storage.audit;

import java.time.Instant;
import java.util.HexFormat;

/**
 * A signed statement that the audit chain's head was record {@code sequence} with hash
 * {@code headHash} at {@code at}: {@code signature} is a detached CMS SignedData (DER) over the
 * head hash in lowercase hex (the 64 ASCII characters of {@link #signedContent()}).
 */
public record AuditCheckpoint(long sequence, byte[] headHash, Instant at, byte[] signature) {

    /** The bytes the signature covers: the head hash as lowercase hex, US-ASCII, no line end. */
    public byte[] signedContent() {
        return signedContent(headHash);
    }

    /** The bytes a checkpoint of a head with this hash signs. */
    public static byte[] signedContent(byte[] headHash) {
        return HexFormat.of().formatHex(headHash).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
