package vn.lienthong.hsm.sign;

import java.security.PublicKey;
import vn.lienthong.hsm.token.TokenKey;

/** Raw signatures: made in the token with its provider, verified in software. */
public final class Signatures {
    private Signatures() {
    }

    public static byte[] sign(TokenKey key, SignatureAlgorithm algorithm, byte[] data) {
        throw new UnsupportedOperationException("TODO");
    }

    public static boolean verify(PublicKey key, SignatureAlgorithm algorithm, byte[] data, byte[] signature) {
        throw new UnsupportedOperationException("TODO");
    }
}
