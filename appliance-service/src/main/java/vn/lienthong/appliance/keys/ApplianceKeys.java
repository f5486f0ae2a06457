package vn.lienthong.appliance.keys;

import java.nio.charset.StandardCharsets;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import vn.lienthong.appliance.envelope.Envelope;
import vn.lienthong.appliance.envelope.EnvelopeHeader;
import vn.lienthong.appliance.envelope.EnvelopeSealer;
import vn.lienthong.appliance.envelope.Receipt;
import vn.lienthong.appliance.envelope.ReceiptSigner;
import vn.lienthong.appliance.envelope.SignedReceipt;
import vn.lienthong.appliance.ops.ApplianceMetrics;
import vn.lienthong.hsm.HsmException;
import vn.lienthong.hsm.batch.BatchSigner;
import vn.lienthong.hsm.cms.CmsSigner;
import vn.lienthong.hsm.sign.Signatures;
import vn.lienthong.hsm.token.BulkKeys;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;
import vn.lienthong.hsm.token.TokenSupervisor;
import vn.lienthong.hsm.token.TokenUnavailableException;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.provisioning.registry.Tenant;

/**
 * The appliance's keys in its HSM token: each tenant's signing key and the appliance's TLS key.
 * Every signature goes through here, so that it is timed and its failures counted in one place.
 * Envelopes are signed through one {@link BatchSigner} per key: alone when the key is idle, in
 * batches under load. The token is reached through a {@link TokenSupervisor}: while it is down
 * every signature fails at once with a retryable {@link TokenUnavailableException}.
 */
public final class ApplianceKeys implements AutoCloseable {

    private static final byte[] KEEP_ALIVE = "lienthong keep-alive".getBytes(StandardCharsets.US_ASCII);

    private final TokenSupervisor token;
    /** Tenants whose keys are in a token of their own (or shared with some others), by organ id. */
    private final Map<String, TokenSupervisor> tenantTokens;
    private final ApplianceRegistry registry;
    private final ApplianceMetrics metrics;
    private final int maxBatch;
    private final Map<String, BatchSigner> batchSigners = new ConcurrentHashMap<>();
    /** The CMS signer of each token, by label, for as long as the token keeps its provider. */
    private final Map<String, TokenCms> cmsSigners = new ConcurrentHashMap<>();
    private final java.util.function.Consumer<String> keyUsed;

    /** @param maxBatch the most envelopes one HSM signature covers */
    public ApplianceKeys(TokenSupervisor token, ApplianceRegistry registry, ApplianceMetrics metrics, int maxBatch) {
        this(token, Map.of(), registry, metrics, maxBatch, alias -> {
        });
    }

    /**
     * @param token        the main token: the TLS identity and every tenant not in {@code tenantTokens}
     * @param tenantTokens the token of each tenant whose key is elsewhere, by organ id
     * @param keyUsed      told the alias of each key after it signed (for the audit log's key-usage records)
     */
    public ApplianceKeys(TokenSupervisor token, Map<String, TokenSupervisor> tenantTokens, ApplianceRegistry registry,
                         ApplianceMetrics metrics, int maxBatch, java.util.function.Consumer<String> keyUsed) {
        this.keyUsed = keyUsed;
        this.token = token;
        this.tenantTokens = Map.copyOf(tenantTokens);
        this.registry = registry;
        this.metrics = metrics;
        this.maxBatch = maxBatch;
    }

    /** The alias of the key that signs for the tenant now (the next one once a staged rollover's switch time has come). */
    static String signingAlias(Tenant tenant) {
        return tenant.signingKeyAlias(java.time.Instant.now());
    }

    /** The tenant's signing key; {@link MissingKeyException} when it was never generated. */
    public TokenKey tenantKey(Tenant tenant) {
        TokenSupervisor supervisor = tokenOf(tenant);
        String alias = signingAlias(tenant);
        TokenKey key = key(supervisor, alias, "tenant " + tenant.organId());
        return placeholder(key) ? supervisor.use(t -> reloaded(t, alias)).orElse(key) : key;
    }

    /** The token that holds the tenant's key, as configured: never another tenant's token. */
    private TokenSupervisor tokenOf(Tenant tenant) {
        return tenantTokens.getOrDefault(tenant.organId(), token);
    }

    /**
     * Runs {@code work}, which uses the tenant's key in the HSM (an XML signature, say), as an operation of the
     * tenant's token: on a platform thread when asked on a virtual one, and marking the token down on its faults.
     */
    public <T> T withTenantToken(Tenant tenant, Supplier<T> work) {
        return tokenOf(tenant).use(t -> work.get());
    }

    /** The appliance's TLS identity key (alias {@value ApplianceRegistry#TLS_KEY_ALIAS}). */
    public TokenKey tlsKey() {
        return key(token, ApplianceRegistry.TLS_KEY_ALIAS, "the appliance's TLS identity");
    }

    private TokenKey key(TokenSupervisor token, String alias, String owner) {
        try {
            return token.use(t -> t.key(alias)).orElseThrow(() -> new MissingKeyException(
                    "the HSM token '" + token.label() + "' has no key '" + alias + "' for " + owner
                            + ": run 'lienthong provision key generate'"));
        } catch (HsmException e) {
            metrics.hsmError(e instanceof TokenUnavailableException ? "token-unavailable" : "key-lookup");
            throw e;
        }
    }

    /**
     * Signs the header in the HSM with the sender tenant's key (detached CMS), through the key's
     * batch signer: the envelope is batch-signed when other envelopes for the key were waiting.
     */
    public Envelope seal(EnvelopeHeader header, byte[] payload, Tenant sender) {
        TokenKey key = tenantKey(sender);
        String owner = "tenant " + sender.organId();
        return EnvelopeSealer.seal(header, payload, key, batchSigner(tokenOf(sender), key.alias(), owner));
    }

    /**
     * One signer per key in its token: a batch only ever holds one key's (one tenant's) requests,
     * envelopes it sends and receipts it gives alike (a batch's entries are digests of either).
     */
    private BatchSigner batchSigner(TokenSupervisor tokenOf, String alias, String owner) {
        return batchSigners.computeIfAbsent(tokenOf.label() + "/" + alias, name -> new BatchSigner(name,
                content -> signWith(tokenOf, alias, t -> cmsSigner(t).signDetached(
                        keyIn(t, alias, owner), content)),
                maxBatch, metrics::hsmBatchSize));
    }

    /**
     * A detached CMS signature (RFC 5652) over {@code content} with the appliance's own key, its TLS
     * identity, certificate chain included: what the appliance states in its own name (audit
     * checkpoints). Blocks in PKCS#11: call it from a platform thread. Timed, but not told to the
     * key-usage audit: its record would move the audit head and call for another checkpoint.
     */
    public byte[] signAsAppliance(byte[] content) {
        String alias = ApplianceRegistry.TLS_KEY_ALIAS;
        long start = System.nanoTime();
        try {
            byte[] signature = token.use(t -> cmsSigner(t).signDetached(
                    keyIn(t, alias, "the appliance's TLS identity"), content));
            metrics.hsmSignSeconds(alias, (System.nanoTime() - start) / 1e9);
            return signature;
        } catch (HsmException e) {
            metrics.hsmError(e instanceof TokenUnavailableException ? "token-unavailable" : "sign");
            throw e;
        }
    }

    /**
     * Signs a receipt in the HSM with the recipient tenant's key, through the key's batch signer:
     * receipts given while the key is busy share one signature.
     */
    public SignedReceipt signReceipt(Receipt receipt, Tenant recipient) {
        TokenKey key = tenantKey(recipient);
        return ReceiptSigner.sign(receipt, key, batchSigner(tokenOf(recipient), key.alias(),
                "tenant " + recipient.organId()));
    }

    /**
     * The token's CMS signer, which keeps per key what every signature shares; a reopened token has a
     * new provider and new key handles, and gets a new signer.
     */
    private CmsSigner cmsSigner(Token t) {
        TokenCms known = cmsSigners.get(t.label());
        if (known != null && known.provider() == t.provider()) {
            return known.signer();
        }
        TokenCms fresh = new TokenCms(t.provider(), new CmsSigner(t.provider()));
        cmsSigners.put(t.label(), fresh);
        return fresh.signer();
    }

    private record TokenCms(Provider provider, CmsSigner signer) {
    }

    /** The key as the token holds it now (after a reopening, a new provider holds new handles). */
    private TokenKey keyIn(Token t, String alias, String owner) {
        TokenKey key = t.key(alias).orElseThrow(() -> new MissingKeyException("the HSM token '" + t.label()
                + "' has no key '" + alias + "' for " + owner + ": run 'lienthong provision key generate'"));
        return placeholder(key) ? reloaded(t, alias).orElse(key) : key;
    }

    /**
     * A key still seen with its self-signed placeholder (it was listed before the operator imported
     * its certificate, as the next key of a rollover is) is read again at once rather than at the
     * next periodic reload, so that a switch takes effect at the moment chosen.
     */
    private static boolean placeholder(TokenKey key) {
        X509Certificate certificate = key.certificate();
        return certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal());
    }

    private static java.util.Optional<TokenKey> reloaded(Token t, String alias) {
        t.reload();
        return t.key(alias);
    }

    /** One timed signature on the token, counted for the key; failures counted by kind. */
    private <T> T signWith(TokenSupervisor token, String alias, Function<Token, T> signing) {
        return timed(alias, () -> token.use(signing));
    }

    private <T> T timed(String alias, Supplier<T> signing) {
        long start = System.nanoTime();
        try {
            T result = signing.get();
            metrics.hsmSignSeconds(alias, (System.nanoTime() - start) / 1e9);
            keyUsed.accept(alias);
            return result;
        } catch (HsmException e) {
            metrics.hsmError(e instanceof TokenUnavailableException ? "token-unavailable" : "sign");
            throw e;
        }
    }

    /**
     * The periodic keep-alive: a test signature with the TLS key while the token is up, a reopening
     * (new provider, one login) while it is down. Returns whether the token is up.
     */
    public boolean keepAlive() {
        boolean up = probe(token, List.of(ApplianceRegistry.TLS_KEY_ALIAS));
        for (TokenSupervisor other : Set.copyOf(tenantTokens.values())) {
            List<String> aliases = registry.tenants().stream()
                    .filter(tenant -> tenantTokens.get(tenant.organId()) == other).map(ApplianceKeys::signingAlias).toList();
            up &= probe(other, aliases);
        }
        return up;
    }

    /** A test signature with the first of the aliases the token holds (none: it only answers). */
    private boolean probe(TokenSupervisor supervisor, List<String> aliases) {
        boolean up = supervisor.check(t -> {
            for (String alias : aliases) {
                Optional<TokenKey> key = t.key(alias);
                if (key.isPresent()) {
                    byte[] signature = Signatures.sign(key.get(), key.get().defaultSignatureAlgorithm(), KEEP_ALIVE);
                    metrics.hsmKeyUsed(alias);
                    return signature;
                }
            }
            return null;
        });
        if (!up) {
            metrics.hsmError("keep-alive");
        }
        return up;
    }

    /** Whether each token answers, by label (the main token first). */
    public Map<String, Boolean> tokensUp() {
        Map<String, Boolean> up = new LinkedHashMap<>();
        up.put(token.label(), token.up());
        tenantTokens.values().forEach(t -> up.put(t.label(), t.up()));
        return up;
    }

    private volatile Map<String, X509Certificate> certificateSnapshot;

    /**
     * The leaf certificate of every key the registry knows, by alias (for expiry gauges and readiness):
     * read once and kept until the next {@link #reload}, so that a scrape of /metrics does not read a
     * thousand tenants' certificates from the token each time.
     */
    public Map<String, X509Certificate> certificates() {
        Map<String, X509Certificate> snapshot = certificateSnapshot;
        if (snapshot == null) {
            snapshot = Collections.unmodifiableMap(readCertificates());
            certificateSnapshot = snapshot;
        }
        return snapshot;
    }

    private Map<String, X509Certificate> readCertificates() {
        Map<String, X509Certificate> certificates = new LinkedHashMap<>();
        try {
            token.use(t -> t.key(ApplianceRegistry.TLS_KEY_ALIAS))
                    .ifPresent(k -> certificates.put(k.alias(), k.certificate()));
            // Each token's certificates in one read: a key-store lookup per tenant searches the token each
            // time, which with a thousand tenants makes every scrape of /metrics take seconds.
            Map<TokenSupervisor, Map<String, X509Certificate>> held = new IdentityHashMap<>();
            for (Tenant tenant : registry.tenants()) {
                X509Certificate certificate = held.computeIfAbsent(tokenOf(tenant),
                        supervisor -> supervisor.use(BulkKeys::certificates))
                        .get(signingAlias(tenant));
                if (certificate != null) {
                    // Under the tenant's first alias whatever key generation signs now, so the tenant stays readable.
                    certificates.put(Tenant.keyAliasOf(tenant.organId()), certificate);
                }
            }
        } catch (HsmException e) {
            metrics.hsmError("key-lookup");
        }
        return certificates;
    }

    /** True while every token answers (no supervisor saw a fault, or each reopened its token since). */
    public boolean tokenUp() {
        return tokensUp().values().stream().allMatch(Boolean::booleanValue);
    }

    /**
     * Reads the token's keys and chains again, so that a certificate the operator imported with the
     * CLI (another process) is used from now on; failures are counted, not thrown.
     */
    public void reload() {
        certificateSnapshot = null;
        List<TokenSupervisor> all = new java.util.ArrayList<>(List.of(token));
        all.addAll(Set.copyOf(tenantTokens.values()));
        for (TokenSupervisor each : all) {
            try {
                each.use(t -> {
                    t.reload();
                    return null;
                });
            } catch (HsmException e) {
                metrics.hsmError("reload");
            }
        }
    }

    /** Stops the batch signers; envelopes still waiting to be signed fail. */
    @Override
    public void close() {
        batchSigners.values().forEach(BatchSigner::close);
    }

    public String tokenLabel() {
        return token.label();
    }

    /** True when the tenant's signing key is in the token. */
    public boolean hasKey(Tenant tenant) {
        try {
            return tokenOf(tenant).use(t -> t.key(signingAlias(tenant))).isPresent();
        } catch (HsmException e) {
            return false;
        }
    }
}
