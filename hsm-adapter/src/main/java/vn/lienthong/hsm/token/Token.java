package vn.lienthong.hsm.token;

import java.io.IOException;
import java.security.AuthProvider;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidParameterException;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import java.security.KeyStoreException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.ProviderException;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.login.FailedLoginException;
import javax.security.auth.login.LoginException;
import vn.lienthong.hsm.HsmException;

/**
 * One PKCS#11 token opened through SunPKCS11 by its label, logged in with its user PIN. Keys are
 * generated inside the token (sensitive, never extractable) and found again by alias, also when
 * another process (the operator CLI) created them after this token was opened.
 *
 * <p>One instance is safe for many threads. The PKCS#11 login belongs to the process, not to this
 * object: {@link #close()} logs out every {@code Token} of this process that is open on the same
 * token, so a process should open each token once.
 */
public final class Token implements AutoCloseable {

    /** What an operator may call a key: it becomes the key's CKA_ID and its certificate's CKA_LABEL. */
    private static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}");

    private final TokenConfig config;
    private final AuthProvider provider;
    private final KeyStore keyStore;
    /**
     * Keys as last read, by alias: reading one from the key store searches the token's objects, which
     * every signature would otherwise pay (and in a token holding many tenants' keys, dearly). Emptied
     * by {@link #reload()}, when the token's contents are read again.
     */
    private final Map<String, TokenKey> keys = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private Token(TokenConfig config, AuthProvider provider, KeyStore keyStore) {
        this.config = config;
        this.provider = provider;
        this.keyStore = keyStore;
    }

    /**
     * Resolves the label to a slot, configures a SunPKCS11 provider for it and logs in, once: a
     * refused PIN is not tried again, since retries count towards locking a real token. If this
     * process is already logged in to the token, PKCS#11 does not check the PIN again.
     */
    public static Token open(TokenConfig config) {
        // Read the PIN first: a missing PIN is the operator's to fix and needs no HSM to report.
        char[] pin = config.pin().read();
        try {
            long slot = Slots.find(config.library(), config.label());
            AuthProvider provider = configure(config, slot);
            logIn(provider, config.label(), pin);
            KeyStore keyStore = KeyStore.getInstance("PKCS11", provider);
            // Logged in already, so the key store needs no PIN of its own.
            keyStore.load(null, null);
            return new Token(config, provider, keyStore);
        } catch (IOException | GeneralSecurityException e) {
            throw new HsmException("cannot read the keys of token '" + config.label() + "': "
                    + HsmException.rootMessage(e), e);
        } finally {
            Arrays.fill(pin, '\0');
        }
    }

    public String label() {
        return config.label();
    }

    /** The SunPKCS11 provider bound to this token; keys from {@link #key} belong to it. */
    public Provider provider() {
        return provider;
    }

    /** Generates a key pair inside the token under a new alias; fails if the alias is taken. */
    public synchronized TokenKey generateKey(String alias, KeyAlgorithm algorithm) {
        ensureOpen();
        if (alias == null || !ALIAS.matcher(alias).matches()) {
            throw new HsmException("the key alias '" + alias + "' is not allowed: use 1 to 64 letters, digits,"
                    + " '.', '_', ':', '@' or '-', starting with a letter or digit");
        }
        // Another process may have taken the alias since the last load.
        reload();
        if (lookup(alias).isPresent()) {
            throw new HsmException("token '" + label() + "' already has a key '" + alias + "'");
        }
        KeyPair pair;
        String placeholderSignature;
        try {
            KeyPairGenerator generator;
            if (algorithm == KeyAlgorithm.RSA_2048) {
                generator = KeyPairGenerator.getInstance("RSA", provider);
                generator.initialize(2048);
                placeholderSignature = "SHA256withRSA";
            } else {
                generator = KeyPairGenerator.getInstance("EC", provider);
                generator.initialize(new ECGenParameterSpec("secp256r1"));
                placeholderSignature = "SHA256withECDSA";
            }
            pair = generator.generateKeyPair();
        } catch (GeneralSecurityException | ProviderException | InvalidParameterException e) {
            throw new HsmException("token '" + label() + "' could not generate a " + algorithm.cliName()
                    + " key: " + HsmException.rootMessage(e), e);
        }
        X509Certificate placeholder = PlaceholderCertificate.selfSigned(alias, pair, placeholderSignature, provider);
        try {
            // Stores the certificate with CKA_ID = alias and sets the private key's CKA_ID to match.
            keyStore.setKeyEntry(alias, pair.getPrivate(), null, new X509Certificate[] {placeholder});
        } catch (KeyStoreException e) {
            throw new HsmException("token '" + label() + "' could not store the new key '" + alias + "': "
                    + HsmException.rootMessage(e), e);
        }
        return lookup(alias).orElseThrow(() -> new HsmException(
                "token '" + label() + "' did not keep the new key '" + alias + "'"));
    }

    /**
     * Generates an AES-256 key inside the token under a new alias: sensitive and never extractable,
     * for encrypting small records (e.g. API secrets) with AES-GCM in the token.
     */
    public synchronized SecretKey generateSecretKey(String alias) {
        ensureOpen();
        if (alias == null || !ALIAS.matcher(alias).matches()) {
            throw new HsmException("the key alias '" + alias + "' is not allowed");
        }
        reload();
        if (isKeyEntry(alias)) {
            throw new HsmException("token '" + label() + "' already has a key '" + alias + "'");
        }
        try {
            KeyGenerator generator = KeyGenerator.getInstance("AES", provider);
            generator.init(256);
            // Stored as a token object labelled with the alias (C_CopyObject; the value never leaves the token).
            keyStore.setEntry(alias, new KeyStore.SecretKeyEntry(generator.generateKey()), null);
        } catch (GeneralSecurityException | ProviderException e) {
            throw new HsmException("token '" + label() + "' could not generate the AES key '" + alias + "': "
                    + HsmException.rootMessage(e), e);
        }
        return secretKey(alias).orElseThrow(() -> new HsmException(
                "token '" + label() + "' did not keep the new key '" + alias + "'"));
    }

    /** The secret (AES) key under this alias, if the token has one. */
    public Optional<SecretKey> secretKey(String alias) {
        ensureOpen();
        try {
            if (!isKeyEntry(alias)) {
                reload();
            }
            return keyStore.getKey(alias, null) instanceof SecretKey key ? Optional.of(key) : Optional.empty();
        } catch (GeneralSecurityException e) {
            throw new HsmException("cannot read key '" + alias + "' of token '" + label() + "': "
                    + HsmException.rootMessage(e), e);
        }
    }

    /**
     * The key under this alias; reloads the token's key list once if it is not known yet. A miss
     * costs a walk over the token's objects, so look up the aliases of configured keys, not names
     * taken from messages.
     */
    public Optional<TokenKey> key(String alias) {
        ensureOpen();
        Optional<TokenKey> key = lookup(alias);
        if (key.isEmpty()) {
            // The operator CLI may have created it in another process after this token was loaded.
            reload();
            key = lookup(alias);
        }
        return key;
    }

    /**
     * Replaces the chain stored under the alias; the leaf's public key must be the key's own and
     * each certificate must be signed by the next one (leaf first).
     */
    public synchronized TokenKey storeChain(String alias, List<X509Certificate> chain) {
        ensureOpen();
        TokenKey existing = key(alias).orElseThrow(() -> new HsmException(
                "token '" + label() + "' has no key '" + alias + "'"));
        if (chain == null || chain.isEmpty()) {
            throw new HsmException("the certificate chain for key '" + alias + "' is empty");
        }
        if (!chain.getFirst().getPublicKey().equals(existing.publicKey())) {
            throw new HsmException("the certificate for '" + chain.getFirst().getSubjectX500Principal().getName()
                    + "' is not for key '" + alias + "': its public key differs");
        }
        requireLeafFirstOrder(chain);
        try {
            keyStore.setKeyEntry(alias, existing.privateKey(), null, chain.toArray(X509Certificate[]::new));
            keys.remove(alias);
        } catch (KeyStoreException e) {
            throw new HsmException("token '" + label() + "' could not store the chain of key '" + alias + "': "
                    + HsmException.rootMessage(e), e);
        }
        return lookup(alias).orElseThrow(() -> new HsmException(
                "token '" + label() + "' lost key '" + alias + "' while storing its chain"));
    }

    /** The aliases of the key pairs in the token, sorted, read from the token now. */
    public List<String> aliases() {
        ensureOpen();
        reload();
        try {
            return Collections.list(keyStore.aliases()).stream()
                    .filter(alias -> isKeyEntry(alias))
                    .sorted()
                    .toList();
        } catch (KeyStoreException e) {
            throw new HsmException("cannot list the keys of token '" + label() + "': "
                    + HsmException.rootMessage(e), e);
        }
    }

    /**
     * Reads the token's keys and certificate chains again, to see what another process (the
     * operator CLI) changed, such as a certificate imported for a key this process already uses.
     */
    public void reload() {
        ensureOpen();
        try {
            keyStore.load(null, null);
            keys.clear();
        } catch (IOException | GeneralSecurityException e) {
            throw new HsmException("cannot read the keys of token '" + label() + "' again: "
                    + HsmException.rootMessage(e) + " (if the login was lost, open the token again)", e);
        }
    }

    /** Logs out of the token. Keys obtained from this token stop working. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            provider.logout();
        } catch (LoginException | RuntimeException e) {
            // Nothing an operator could do: the session ends with the process anyway.
        }
    }

    private Optional<TokenKey> lookup(String alias) {
        TokenKey known = alias == null ? null : keys.get(alias);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<TokenKey> read = read(alias);
        read.ifPresent(key -> keys.put(alias, key));
        return read;
    }

    private Optional<TokenKey> read(String alias) {
        try {
            if (alias == null || !keyStore.isKeyEntry(alias)) {
                return Optional.empty();
            }
            Key key = keyStore.getKey(alias, null);
            Certificate[] chain = keyStore.getCertificateChain(alias);
            if (!(key instanceof PrivateKey privateKey) || chain == null || chain.length == 0) {
                return Optional.empty();
            }
            List<X509Certificate> certificates = Arrays.stream(chain).map(X509Certificate.class::cast).toList();
            return Optional.of(new TokenKey(alias, privateKey, certificates.getFirst().getPublicKey(),
                    certificates, provider));
        } catch (GeneralSecurityException e) {
            throw new HsmException("cannot read key '" + alias + "' of token '" + label() + "': "
                    + HsmException.rootMessage(e), e);
        }
    }

    private boolean isKeyEntry(String alias) {
        try {
            return keyStore.isKeyEntry(alias);
        } catch (KeyStoreException e) {
            return false;
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new HsmException("token '" + label() + "' has been closed");
        }
    }

    private static void requireLeafFirstOrder(List<X509Certificate> chain) {
        for (int i = 0; i + 1 < chain.size(); i++) {
            X509Certificate subject = chain.get(i);
            X509Certificate issuer = chain.get(i + 1);
            try {
                if (!subject.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
                    throw new GeneralSecurityException("issuer name differs");
                }
                subject.verify(issuer.getPublicKey());
            } catch (GeneralSecurityException e) {
                throw new HsmException("certificate " + (i + 2) + " of the chain ('"
                        + issuer.getSubjectX500Principal().getName() + "') did not issue certificate " + (i + 1)
                        + " ('" + subject.getSubjectX500Principal().getName() + "'): give the chain leaf first");
            }
        }
    }

    private static AuthProvider configure(TokenConfig config, long slot) {
        Provider template = Security.getProvider("SunPKCS11");
        if (template == null) {
            throw new HsmException("this JDK has no SunPKCS11 provider (module jdk.crypto.cryptoki)");
        }
        // A unique name: SunPKCS11 providers are told apart by name, and one process may open
        // several tokens (or the same token again after a close).
        String name = "lienthong-" + config.label().replaceAll("[^A-Za-z0-9._-]", "_") + "-"
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        try {
            return (AuthProvider) template.configure(providerConfiguration(name, config, slot));
        } catch (InvalidParameterException | ProviderException e) {
            throw new HsmException("SunPKCS11 cannot use token '" + config.label() + "' in slot " + slot + ": "
                    + HsmException.rootMessage(e), e);
        }
    }

    /**
     * SunPKCS11's configuration for the slot. Without the attribute templates a generated private key
     * would get the module's defaults, which for SoftHSM2 leave it readable in clear ("Access: none"
     * in pkcs11-tool); with them it is a token object that is private, sensitive and never
     * extractable, and can sign but not decrypt, unwrap or derive (it is an identity key only).
     */
    static String providerConfiguration(String name, TokenConfig config, long slot) {
        return "--name = " + name + "\n"
                + "library = \"" + config.library() + "\"\n"
                + "slot = " + slot + "\n"
                + """
                attributes(*, CKO_PRIVATE_KEY, *) = {
                  CKA_PRIVATE = true
                  CKA_SENSITIVE = true
                  CKA_EXTRACTABLE = false
                }
                attributes(generate, CKO_PRIVATE_KEY, *) = {
                  CKA_TOKEN = true
                  CKA_SIGN = true
                  CKA_DECRYPT = false
                  CKA_UNWRAP = false
                }
                attributes(generate, CKO_PRIVATE_KEY, CKK_EC) = {
                  CKA_DERIVE = false
                }
                attributes(generate, CKO_SECRET_KEY, *) = {
                  CKA_SENSITIVE = true
                  CKA_EXTRACTABLE = false
                  CKA_ENCRYPT = true
                  CKA_DECRYPT = true
                  CKA_WRAP = false
                  CKA_UNWRAP = false
                  CKA_SIGN = false
                  CKA_VERIFY = false
                  CKA_DERIVE = false
                }
                attributes(generate, CKO_PUBLIC_KEY, *) = {
                  CKA_TOKEN = false
                  CKA_VERIFY = true
                }
                """;
    }

    private static void logIn(AuthProvider provider, String label, char[] pin) {
        try {
            // Exactly one C_Login: a retry with the same wrong PIN would count towards locking a real token.
            provider.login(null, callbacks -> {
                for (var callback : callbacks) {
                    if (callback instanceof PasswordCallback password) {
                        password.setPassword(pin);
                    }
                }
            });
        } catch (FailedLoginException e) {
            throw new HsmException("the PIN for token '" + label + "' was refused");
        } catch (LoginException e) {
            String code = HsmException.rootMessage(e);
            if (code.contains("CKR_PIN_INCORRECT") || code.contains("CKR_PIN_LEN_RANGE")) {
                throw new HsmException("the PIN for token '" + label + "' was refused");
            }
            if (code.contains("CKR_PIN_LOCKED")) {
                throw new HsmException("the user PIN of token '" + label
                        + "' is locked: the security officer must unlock or reset it");
            }
            throw new HsmException("cannot log in to token '" + label + "': " + code);
        }
    }

}
