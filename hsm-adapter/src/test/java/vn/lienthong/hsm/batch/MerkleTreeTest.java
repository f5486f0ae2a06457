package vn.lienthong.hsm.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

class MerkleTreeTest {

    /** Batches of 1 to 300 entries of 0 to 40 random bytes (duplicates included). */
    private static final Gen<List<byte[]>> BATCHES = lists().of(Generate.byteArrays(integers().between(0, 40),
            Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 0))).ofSizeBetween(1, 300);

    /** RFC 9162 §2.1.1, written as the RFC states it: the reference the tree is held to. */
    private static byte[] referenceRoot(List<byte[]> entries) {
        if (entries.size() == 1) {
            return hash(new byte[] {0}, entries.getFirst());
        }
        int k = Integer.highestOneBit(entries.size() - 1);
        return hash(new byte[] {1}, referenceRoot(entries.subList(0, k)), referenceRoot(entries.subList(k, entries.size())));
    }

    /** RFC 9162 §2.1.3.1 PATH(m, D[n]), as the RFC states it. */
    private static List<byte[]> referencePath(int m, List<byte[]> entries) {
        if (entries.size() == 1) {
            return new ArrayList<>();
        }
        int k = Integer.highestOneBit(entries.size() - 1);
        List<byte[]> path;
        if (m < k) {
            path = referencePath(m, entries.subList(0, k));
            path.add(referenceRoot(entries.subList(k, entries.size())));
        } else {
            path = referencePath(m - k, entries.subList(k, entries.size()));
            path.add(referenceRoot(entries.subList(0, k)));
        }
        return path;
    }

    private static byte[] hash(byte[]... parts) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            for (byte[] part : parts) {
                sha256.update(part);
            }
            return sha256.digest();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void rootAndProofsAreThoseOfRfc9162ForEveryBatchSize() {
        qt().withExamples(60).forAll(BATCHES).check(entries -> {
            MerkleTree tree = MerkleTree.of(entries);
            if (!Arrays.equals(referenceRoot(entries), tree.root())) {
                return false;
            }
            for (int i = 0; i < entries.size(); i++) {
                List<byte[]> expected = referencePath(i, entries);
                List<byte[]> actual = tree.proof(i).path();
                if (expected.size() != actual.size()) {
                    return false;
                }
                for (int s = 0; s < expected.size(); s++) {
                    if (!Arrays.equals(expected.get(s), actual.get(s))) {
                        return false;
                    }
                }
            }
            return true;
        });
    }

    @Test
    void everyEntrysProofVerifiesAgainstTheRoot() {
        qt().withExamples(100).forAll(BATCHES).check(entries -> {
            MerkleTree tree = MerkleTree.of(entries);
            byte[] root = tree.root();
            for (int i = 0; i < entries.size(); i++) {
                if (!tree.proof(i).verifies(entries.get(i), root)) {
                    return false;
                }
            }
            return true;
        });
    }

    @Test
    void aChangedEntryNeverVerifies() {
        qt().withExamples(100).forAll(BATCHES, integers().allPositive(), integers().allPositive())
                .check((entries, which, bit) -> {
                    MerkleTree tree = MerkleTree.of(entries);
                    int i = which % entries.size();
                    byte[] changed = entries.get(i).length == 0
                            ? new byte[] {0}
                            : entries.get(i).clone();
                    if (entries.get(i).length > 0) {
                        changed[(bit / 8) % changed.length] ^= (byte) (1 << (bit % 8));
                    }
                    return !tree.proof(i).verifies(changed, tree.root());
                });
    }

    @Test
    void aChangedProofStepNeverVerifies() {
        qt().withExamples(100).forAll(BATCHES.assuming(b -> b.size() > 1), integers().allPositive(),
                        integers().allPositive(), integers().allPositive())
                .check((entries, which, stepChoice, bit) -> {
                    MerkleTree tree = MerkleTree.of(entries);
                    int i = which % entries.size();
                    InclusionProof proof = tree.proof(i);
                    List<byte[]> path = new ArrayList<>(proof.path());
                    int step = stepChoice % path.size();
                    byte[] changed = path.get(step);
                    changed[(bit / 8) % 32] ^= (byte) (1 << (bit % 8));
                    path.set(step, changed);
                    InclusionProof tampered = new InclusionProof(proof.leafIndex(), proof.treeSize(), path);
                    // Also a step dropped, one added, and a wrong index or size: each must fail.
                    List<byte[]> shorter = proof.path().subList(0, proof.path().size() - 1);
                    List<byte[]> longer = new ArrayList<>(proof.path());
                    longer.add(tree.root());
                    long otherIndex = (i + 1) % entries.size();
                    return !tampered.verifies(entries.get(i), tree.root())
                            && !new InclusionProof(i, proof.treeSize(), shorter).verifies(entries.get(i), tree.root())
                            && !new InclusionProof(i, proof.treeSize(), longer).verifies(entries.get(i), tree.root())
                            && (Arrays.equals(entries.get(i), entries.get((int) otherIndex))
                                || !new InclusionProof(otherIndex, proof.treeSize(), proof.path())
                                        .verifies(entries.get(i), tree.root()));
                });
    }

    @Test
    void aReorderedBatchNeverVerifiesAgainstTheOriginalRoot() {
        qt().withExamples(100).forAll(BATCHES.assuming(b -> b.size() > 1), integers().all())
                .check((entries, seed) -> {
                    List<byte[]> reordered = new ArrayList<>(entries);
                    Collections.shuffle(reordered, new Random(seed));
                    boolean sameSequence = true;
                    for (int i = 0; i < entries.size(); i++) {
                        sameSequence &= Arrays.equals(entries.get(i), reordered.get(i));
                    }
                    if (sameSequence) {
                        Collections.swap(reordered, 0, entries.size() - 1);
                        if (Arrays.equals(entries.getFirst(), entries.getLast())) {
                            return true; // the only reorderings give the same batch: nothing to tell apart
                        }
                    }
                    byte[] original = MerkleTree.of(entries).root();
                    MerkleTree shuffled = MerkleTree.of(reordered);
                    for (int i = 0; i < reordered.size(); i++) {
                        // Each entry's proof from the reordered batch, against the original root.
                        if (!Arrays.equals(reordered.get(i), entries.get(i))
                                && shuffled.proof(i).verifies(reordered.get(i), original)) {
                            return false;
                        }
                    }
                    return !Arrays.equals(original, shuffled.root());
                });
    }

    @Test
    void aTreeOfOneEntryHasAnEmptyProofAndTheLeafHashAsRoot() {
        byte[] entry = "header".getBytes(StandardCharsets.UTF_8);
        MerkleTree tree = MerkleTree.of(List.of(entry));

        assertArrayEquals(MerkleTree.leafHash(entry), tree.root());
        assertTrue(tree.proof(0).path().isEmpty());
        assertTrue(tree.proof(0).verifies(entry, tree.root()));
    }

    @Test
    void leafAndNodeHashesAreDomainSeparatedAsTheRfcSays() {
        // SHA-256(0x00) and SHA-256(0x01 || leaf(a) || leaf(b)), computed independently.
        byte[] a = new byte[0];
        assertEquals("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                HexFormat.of().formatHex(MerkleTree.leafHash(a)));
        assertArrayEquals(hash(new byte[] {1}, MerkleTree.leafHash(a), MerkleTree.leafHash(a)),
                MerkleTree.of(List.of(a, a)).root());
    }

    @Test
    void refusesAnEmptyBatchAndProofsOutsideTheTree() {
        assertThrows(IllegalArgumentException.class, () -> MerkleTree.of(List.of()));
        assertThrows(IndexOutOfBoundsException.class, () -> MerkleTree.of(List.of(new byte[1])).proof(1));
        assertThrows(IllegalArgumentException.class, () -> new InclusionProof(3, 3, List.of()));
    }

    @Test
    void batchRootBytesHaveOneSpellingOnly() {
        MerkleTree tree = MerkleTree.of(List.of(new byte[] {1}, new byte[] {2}, new byte[] {3}));
        BatchRoot root = BatchRoot.of(tree);
        byte[] encoded = root.encode();

        assertEquals("lienthong-batch-root/1\nhash: SHA-256\ntree-size: 3\nroot: "
                + HexFormat.of().formatHex(tree.root()) + "\n", new String(encoded, StandardCharsets.US_ASCII));
        assertEquals(root, BatchRoot.parse(encoded));
        String upper = new String(encoded, StandardCharsets.US_ASCII).replace("root: ", "root: ").toUpperCase();
        assertThrows(IllegalArgumentException.class, () -> BatchRoot.parse(upper.getBytes(StandardCharsets.US_ASCII)));
        assertThrows(IllegalArgumentException.class, () -> BatchRoot.parse(
                new String(encoded, StandardCharsets.US_ASCII).replace("tree-size: 3", "tree-size: 03")
                        .getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void aBatchRootCoversTheContentWhoseDigestIsTheEntryAndNoOther() {
        List<byte[]> contents = List.of(new byte[] {1}, new byte[] {2}, new byte[] {3});
        MerkleTree tree = MerkleTree.of(contents.stream().map(BatchSigner::entry).toList());
        BatchRoot root = BatchRoot.of(tree);

        assertTrue(root.covers(contents.get(1), tree.proof(1)));
        assertFalse(root.covers(contents.get(0), tree.proof(1)));
        assertFalse(new BatchRoot(4, tree.root()).covers(contents.get(1), tree.proof(1)));
    }
}
