package vn.lienthong.hsm.batch;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the HSM signs for a batch: the hash algorithm, the tree size and the Merkle root, as a few
 * lines of ASCII with one spelling only, so that {@code openssl cms -verify -content batch-root.bin}
 * checks the signature and a person can read what was signed.
 *
 * <pre>
 * lienthong-batch-root/1
 * hash: SHA-256
 * tree-size: 17
 * root: 64 lower-case hex digits
 * </pre>
 */
public record BatchRoot(long treeSize, byte[] root) {

    private static final String FIRST_LINE = "lienthong-batch-root/1";
    private static final Pattern FORM = Pattern.compile(FIRST_LINE + "\nhash: SHA-256\ntree-size: ([1-9][0-9]{0,9})\n"
            + "root: ([0-9a-f]{64})\n");

    public BatchRoot {
        if (treeSize < 1) {
            throw new IllegalArgumentException("a batch root needs a tree of at least one entry");
        }
        if (root.length != MerkleTree.HASH_BYTES) {
            throw new IllegalArgumentException("a batch root is a SHA-256 hash, not " + root.length + " bytes");
        }
        root = root.clone();
    }

    /** The root of the tree. */
    public static BatchRoot of(MerkleTree tree) {
        return new BatchRoot(tree.size(), tree.root());
    }

    @Override
    public byte[] root() {
        return root.clone();
    }

    /** The bytes the HSM signs. */
    public byte[] encode() {
        return (FIRST_LINE + "\nhash: " + MerkleTree.HASH_ALGORITHM + "\ntree-size: " + treeSize + "\nroot: "
                + HexFormat.of().formatHex(root) + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Reads signed root bytes, accepting only the one spelling {@link #encode()} writes.
     *
     * @throws IllegalArgumentException with a plain sentence when they are not root bytes
     */
    public static BatchRoot parse(byte[] bytes) {
        Matcher matcher = FORM.matcher(new String(bytes, StandardCharsets.US_ASCII));
        if (bytes.length > 256 || !matcher.matches()) {
            throw new IllegalArgumentException("the batch root is not in the form '" + FIRST_LINE
                    + "', hash, tree-size, root");
        }
        return new BatchRoot(Long.parseLong(matcher.group(1)), HexFormat.of().parseHex(matcher.group(2)));
    }

    /**
     * True when the proof shows that {@code content} was signed in this batch: the proof is for a
     * tree of this size and leads from the content's entry ({@link BatchSigner#entry}) to this root.
     */
    public boolean covers(byte[] content, InclusionProof proof) {
        return proof.treeSize() == treeSize && proof.verifies(BatchSigner.entry(content), root);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BatchRoot that && treeSize == that.treeSize && MessageDigest.isEqual(root, that.root);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(treeSize) * 31 + Arrays.hashCode(root);
    }

    @Override
    public String toString() {
        return "BatchRoot[" + treeSize + " entries, " + HexFormat.of().formatHex(root) + "]";
    }
}
