package vn.lienthong.appliance.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import vn.lienthong.hsm.token.TokenKey;

/**
 * A key manager that presents one token key: its stored certificate chain and its PKCS#11 private key handle,
 * so that JSSE signs each handshake inside the HSM through the key's SunPKCS11 provider. Built on a supplier, it
 * presents whatever key the supplier gives at each handshake (a renewed certificate without a restart).
 */
public final class HsmKeyManager extends X509ExtendedKeyManager {

    private final Supplier<TokenKey> current;
    /** Where handshake signatures are made, or null to let JSSE sign on its own thread. */
    private final HandshakeSigners signers;

    public HsmKeyManager(TokenKey key) {
        this(() -> key);
    }

    /** Presents {@code current.get()} at each handshake; the first key is checked now. */
    public HsmKeyManager(Supplier<TokenKey> current) {
        this(current, null);
    }

    /**
     * As {@link #HsmKeyManager(Supplier)}, every handshake signature made on one of {@code signers}' platform
     * threads (a handshake that gets none in time fails), never on the handshake's own thread.
     */
    public HsmKeyManager(Supplier<TokenKey> current, HandshakeSigners signers) {
        this.signers = signers;
        this.current = Objects.requireNonNull(current, "current");
        TokenKey key = Objects.requireNonNull(current.get(), "key");
        if (!key.certificate().getPublicKey().equals(key.publicKey())) {
            throw new IllegalArgumentException("the certificate stored with key '" + key.alias()
                    + "' is not for that key: import the certificate issued for this key's CSR");
        }
        installProvider(key);
    }

    private TokenKey key() {
        return current.get();
    }

    // JSSE signs with Signature.getInstance(name) and lets the JCA find an installed provider that accepts the
    // key; a token's SunPKCS11 provider is not installed by default, so install it (last, so that it is only
    // chosen for its own keys).
    private static void installProvider(TokenKey key) {
        Provider provider = key.provider();
        if (provider == null) {
            return;
        }
        synchronized (HsmKeyManager.class) {
            Provider installed = Security.getProvider(provider.getName());
            if (installed == null) {
                Security.addProvider(provider);
            } else if (installed != provider) {
                throw new IllegalStateException("another security provider is already named '" + provider.getName()
                        + "': open each token once per process");
            }
        }
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return matches(keyType) ? new String[] {key().alias()} : null;
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return chooseClient(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return chooseClient(keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return getClientAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return matches(keyType) ? key().alias() : null;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return matches(keyType) ? key().alias() : null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        TokenKey key = key();
        return key.alias().equals(alias) ? key.chain().toArray(X509Certificate[]::new) : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        TokenKey key = key();
        if (!key.alias().equals(alias)) {
            return null;
        }
        return signers == null ? key.privateKey() : PooledHandshakeKeys.standIn(key, signers);
    }

    private String chooseClient(String[] keyTypes) {
        if (keyTypes != null) {
            for (String type : keyTypes) {
                if (matches(type)) {
                    return key().alias();
                }
            }
        }
        return null;
    }

    // JSSE asks by key type ("EC", "RSA", "RSASSA-PSS"...); an rsaEncryption key is not an "RSASSA-PSS"
    // key, and the static-ECDH forms ("EC_EC") belong to suites the policy excludes.
    private boolean matches(String requested) {
        return key().publicKey().getAlgorithm().equalsIgnoreCase(requested);
    }
}
