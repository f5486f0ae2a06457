package vn.lienthong.hsm.batch;

/** Makes one detached CMS signature over content with one key in the HSM (as {@code CmsSigner} does). */
@FunctionalInterface
public interface DetachedSigner {

    /** DER CMS SignedData without encapsulated content; throws {@code HsmException} when the HSM fails. */
    byte[] signDetached(byte[] content);
}
