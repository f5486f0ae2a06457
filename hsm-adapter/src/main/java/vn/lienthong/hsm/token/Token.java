package vn.lienthong.hsm.token;

import java.security.Provider;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * One PKCS#11 token opened through SunPKCS11 by its label, logged in with its user PIN. Keys are
 * generated inside the token (sensitive, never extractable) and found again by alias, also when
 * another process (the operator CLI) created them after this token was opened.
 */
public final class Token implements AutoCloseable {

    private Token() {
    }

    /** Resolves the label to a slot, configures a SunPKCS11 provider for it and logs in. */
    public static Token open(TokenConfig config) {
        throw new UnsupportedOperationException("TODO");
    }

    public String label() {
        throw new UnsupportedOperationException("TODO");
    }

    /** The SunPKCS11 provider bound to this token; keys from {@link #key} belong to it. */
    public Provider provider() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Generates a key pair inside the token under a new alias; fails if the alias is taken. */
    public TokenKey generateKey(String alias, KeyAlgorithm algorithm) {
        throw new UnsupportedOperationException("TODO");
    }

    /** The key under this alias; reloads the token's key list once if it is not known yet. */
    public Optional<TokenKey> key(String alias) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Replaces the chain stored under the alias; the leaf's public key must be the key's own. */
    public TokenKey storeChain(String alias, List<X509Certificate> chain) {
        throw new UnsupportedOperationException("TODO");
    }

    /** The aliases of the key pairs in the token. */
    public List<String> aliases() {
        throw new UnsupportedOperationException("TODO");
    }

    @Override
    public void close() {
    }
}
