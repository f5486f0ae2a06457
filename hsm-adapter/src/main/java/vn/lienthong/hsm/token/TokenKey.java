package vn.lienthong.hsm.token;

import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import vn.lienthong.hsm.sign.SignatureAlgorithm;

/**
 * A key pair that lives in a token under an alias, with the certificate chain stored beside it
 * (leaf first; a freshly generated key carries a self-signed placeholder until a certificate is
 * imported). The private key is a handle: its material never leaves the token, and only
 * {@link #provider()}, the token's own provider, can sign with it.
 *
 * @param provider the provider that signs with the private key; {@code null} means the JDK's
 *                 installed providers (a software key, as tests use for certificate authorities)
 */
public record TokenKey(String alias, PrivateKey privateKey, PublicKey publicKey, List<X509Certificate> chain,
                       Provider provider) {

    public TokenKey {
        Objects.requireNonNull(alias, "alias");
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(publicKey, "publicKey");
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("the key '" + alias + "' needs at least one certificate");
        }
    }

    /** A key signed with by the JDK's installed providers (a software key). */
    public TokenKey(String alias, PrivateKey privateKey, PublicKey publicKey, List<X509Certificate> chain) {
        this(alias, privateKey, publicKey, chain, null);
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

    /** Names the key without its handle or, for a software key, its material. */
    @Override
    public String toString() {
        return "TokenKey[" + alias + ", " + publicKey.getAlgorithm() + ", "
                + certificate().getSubjectX500Principal().getName() + "]";
    }
}
