package vn.lienthong.hsm.batch;

/** What {@link BatchSigner#sign} gives a caller: its own signature, or its share of a batch's. */
public sealed interface BatchSignature {

    /** The detached CMS SignedData (DER): over the caller's content, or over the batch's root bytes. */
    byte[] cms();

    /** The caller's content was signed alone, exactly as a plain detached CMS signature. */
    record Single(byte[] cms) implements BatchSignature {
    }

    /**
     * The caller's content was one entry of a batch: {@code cms} signs {@code root.encode()}, and the
     * proof leads from the content's entry to that root.
     */
    record Batched(byte[] cms, BatchRoot root, InclusionProof proof) implements BatchSignature {
    }
}
