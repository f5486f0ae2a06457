package vn.lienthong.hsm.batch;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * A Merkle tree over a batch of entries, hashed as RFC 9162 §2.1.1 says (leaf = SHA-256(0x00‖data),
 * node = SHA-256(0x01‖left‖right), the left subtree the largest power of two smaller than the
 * size), with the inclusion proof of each entry (§2.1.3.1). Immutable once built.
 */
public final class MerkleTree {

    /** The hash of the tree's nodes, which the signed root bytes name. */
    public static final String HASH_ALGORITHM = "SHA-256";
    static final int HASH_BYTES = 32;

    /** {@code levels.get(0)} are the leaf hashes, the last level is the root alone. */
    private final List<byte[][]> levels;

    private MerkleTree(List<byte[][]> levels) {
        this.levels = levels;
    }

    /**
     * Builds the tree over the entries, in order. Pairing neighbours level by level and carrying an
     * odd last node up unchanged gives exactly the RFC's recursive split, in linear time.
     */
    public static MerkleTree of(List<byte[]> entries) {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one entry");
        }
        MessageDigest sha256 = sha256();
        byte[][] level = new byte[entries.size()][];
        for (int i = 0; i < level.length; i++) {
            level[i] = leafHash(sha256, entries.get(i));
        }
        List<byte[][]> levels = new ArrayList<>();
        levels.add(level);
        while (level.length > 1) {
            byte[][] up = new byte[(level.length + 1) / 2][];
            for (int i = 0; i < up.length; i++) {
                up[i] = 2 * i + 1 < level.length ? nodeHash(sha256, level[2 * i], level[2 * i + 1]) : level[2 * i];
            }
            levels.add(up);
            level = up;
        }
        return new MerkleTree(levels);
    }

    /** The number of entries. */
    public int size() {
        return levels.getFirst().length;
    }

    /** The root hash, MTH(D[n]). */
    public byte[] root() {
        return levels.getLast()[0].clone();
    }

    /** The inclusion proof of the entry at {@code index} (RFC 9162 §2.1.3.1), siblings from the leaf up. */
    public InclusionProof proof(int index) {
        if (index < 0 || index >= size()) {
            throw new IndexOutOfBoundsException("entry " + index + " of a batch of " + size());
        }
        List<byte[]> path = new ArrayList<>();
        int i = index;
        for (int l = 0; l < levels.size() - 1; i /= 2, l++) {
            byte[][] level = levels.get(l);
            int sibling = i ^ 1;
            // A node without a right neighbour is carried up unchanged: no step on its path.
            if (sibling < level.length) {
                path.add(level[sibling].clone());
            }
        }
        return new InclusionProof(index, size(), path);
    }

    /** SHA-256(0x00‖data): the hash of one entry. */
    public static byte[] leafHash(byte[] data) {
        return leafHash(sha256(), data);
    }

    /** SHA-256(0x01‖left‖right): the hash of an inner node. */
    public static byte[] nodeHash(byte[] left, byte[] right) {
        return nodeHash(sha256(), left, right);
    }

    static byte[] leafHash(MessageDigest sha256, byte[] data) {
        sha256.update((byte) 0x00);
        return sha256.digest(data);
    }

    static byte[] nodeHash(MessageDigest sha256, byte[] left, byte[] right) {
        sha256.update((byte) 0x01);
        sha256.update(left);
        return sha256.digest(right);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance(HASH_ALGORITHM);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
