package vn.lienthong.hsm.cms;

/** Verifies a detached CMS SignedData against the content it claims to sign (software only). */
public final class CmsVerifier {
    private CmsVerifier() {
    }

    /** @throws SignatureRejectedException with the reason, when malformed or not matching */
    public static CmsSignature verifyDetached(byte[] cmsDer, byte[] content) {
        throw new UnsupportedOperationException("TODO");
    }
}
