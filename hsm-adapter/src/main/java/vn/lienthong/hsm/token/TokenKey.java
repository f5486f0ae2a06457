package vn.lienthong.hsm.token;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.List;
import vn.lienthong.hsm.sign.SignatureAlgorithm;

/**
 * A key pair that lives in a token under an alias, with the certificate chain stored beside it
 * (leaf first; a freshly generated key carries a self-signed placeholder until a certificate is
 * imported). The private key is a handle: its material never leaves the token.
 */
public record TokenKey(String alias, PrivateKey privateKey, PublicKey publicKey, List<X509Certificate> chain) {

    public TokenKey {
        chain = List.copyOf(chain);
    }

    /** The leaf certificate. */
    public X509Certificate certificate() {
        return chain.getFirst();
    }

    /** SHA256withRSA for RSA keys, SHA256withECDSA for EC keys. */
    public SignatureAlgorithm defaultSignatureAlgorithm() {
        return "EC".equals(publicKey.getAlgorithm())
                ? SignatureAlgorithm.SHA256_WITH_ECDSA
                : SignatureAlgorithm.SHA256_WITH_RSA;
    }
}
