package vn.lienthong.hsm.batch;

import java.security.MessageDigest;
import java.util.List;

/**
 * The proof that one entry is in a batch's Merkle tree (RFC 9162 §2.1.3): the entry's index, the
 * tree's size and the sibling hashes from the leaf up to the root.
 */
public record InclusionProof(long leafIndex, long treeSize, List<byte[]> path) {

    public InclusionProof {
        if (treeSize < 1 || leafIndex < 0 || leafIndex >= treeSize) {
            throw new IllegalArgumentException("an inclusion proof needs 0 <= leaf index < tree size, not "
                    + leafIndex + " and " + treeSize);
        }
        path = path.stream().map(byte[]::clone).toList();
        for (byte[] step : path) {
            if (step.length != MerkleTree.HASH_BYTES) {
                throw new IllegalArgumentException("a proof step is " + step.length + " bytes, not a SHA-256 hash");
            }
        }
    }

    /** The sibling hashes, each a copy. */
    @Override
    public List<byte[]> path() {
        return path.stream().map(byte[]::clone).toList();
    }

    /**
     * True when this proof leads from the entry's data to the root, by the verification algorithm
     * of RFC 9162 §2.1.3.2 (which also refuses a path that is too long or too short).
     */
    public boolean verifies(byte[] entry, byte[] root) {
        MessageDigest sha256 = MerkleTree.sha256();
        long fn = leafIndex;
        long sn = treeSize - 1;
        byte[] r = MerkleTree.leafHash(sha256, entry);
        for (byte[] p : path) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = MerkleTree.nodeHash(sha256, p, r);
                if ((fn & 1) == 0) {
                    // Skip the levels where this node was carried up without a right sibling.
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                r = MerkleTree.nodeHash(sha256, r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && MessageDigest.isEqual(r, root);
    }
}
