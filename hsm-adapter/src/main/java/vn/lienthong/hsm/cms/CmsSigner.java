package vn.lienthong.hsm.cms;

import vn.lienthong.hsm.token.TokenKey;

/**
 * Makes detached CMS SignedData (RFC 5652) over content, signed with a token key through Bouncy
 * Castle, the key's certificate chain included, so that {@code openssl cms -verify} can check it.
 */
public final class CmsSigner {
    /** The token provider that performs the signature. */
    public CmsSigner(java.security.Provider tokenProvider) {
    }

    /** DER-encoded ContentInfo(SignedData) without encapsulated content. */
    public byte[] signDetached(TokenKey key, byte[] content) {
        throw new UnsupportedOperationException("TODO");
    }
}
