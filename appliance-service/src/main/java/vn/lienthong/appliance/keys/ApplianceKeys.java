package vn.lienthong.appliance.keys;

import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.provisioning.registry.Tenant;

/**
 * The appliance's keys in its HSM token: each tenant's signing key and the appliance's TLS key.
 * Every signature goes through here, so that it is timed and its failures counted in one place.
 * Envelopes are signed through one {@link BatchSigner} per key: alone when the key is idle, in
 * batches under load.
 */
public final class ApplianceKeys implements AutoCloseable {

    private final Token token;
    private final ApplianceRegistry registry;
    private final ApplianceMetrics metrics;
    private final CmsSigner cms;
    private final ReceiptSigner receiptSigner;
    private final int maxBatch;
    private final Map<String, BatchSigner> batchSigners = new ConcurrentHashMap<>();

    public ApplianceKeys(Token token, ApplianceRegistry registry, ApplianceMetrics metrics) {
        this(token, registry, metrics, BatchSigner.DEFAULT_MAX_BATCH);
    }

    /** @param maxBatch the most envelopes one HSM signature covers */
    public ApplianceKeys(Token token, ApplianceRegistry registry, ApplianceMetrics metrics, int maxBatch) {
        this.token = token;
        this.registry = registry;
        this.metrics = metrics;
        this.cms = new CmsSigner(token.provider());
        this.receiptSigner = new ReceiptSigner(cms);
        this.maxBatch = maxBatch;
    }

    /** The tenant's signing key; {@link MissingKeyException} when it was never generated. */
    public TokenKey tenantKey(Tenant tenant) {
        return key(tenant.keyAlias(), "tenant " + tenant.organId());
    }

    /** The appliance's TLS identity key (alias {@value ApplianceRegistry#TLS_KEY_ALIAS}). */
    public TokenKey tlsKey() {
        return key(ApplianceRegistry.TLS_KEY_ALIAS, "the appliance's TLS identity");
    }

    private TokenKey key(String alias, String owner) {
        try {
            return token.key(alias).orElseThrow(() -> new MissingKeyException(
                    "the HSM token '" + token.label() + "' has no key '" + alias + "' for " + owner
                            + ": run 'lienthong provision key generate'"));
        } catch (HsmException e) {
            metrics.hsmError("key-lookup");
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
        BatchSigner signer = batchSigners.computeIfAbsent(key.alias(), alias -> new BatchSigner(alias,
                content -> timed(alias, () -> cms.signDetached(key(alias, owner), content)),
                maxBatch, metrics::hsmBatchSize));
        return EnvelopeSealer.seal(header, payload, key, signer);
    }

    /** Signs a receipt in the HSM with the recipient tenant's key. */
    public SignedReceipt signReceipt(Receipt receipt, Tenant recipient) {
        TokenKey key = tenantKey(recipient);
        return timed(key.alias(), () -> receiptSigner.sign(receipt, key));
    }

    private <T> T timed(String alias, Supplier<T> signing) {
        long start = System.nanoTime();
        try {
            T result = signing.get();
            metrics.hsmSignSeconds(alias, (System.nanoTime() - start) / 1e9);
            return result;
        } catch (HsmException e) {
            metrics.hsmError("sign");
            throw e;
        }
    }

    /** The leaf certificate of every key the registry knows, by alias (for expiry gauges). */
    public Map<String, X509Certificate> certificates() {
        Map<String, X509Certificate> certificates = new LinkedHashMap<>();
        try {
            token.key(ApplianceRegistry.TLS_KEY_ALIAS).ifPresent(k -> certificates.put(k.alias(), k.certificate()));
            for (Tenant tenant : registry.tenants()) {
                token.key(tenant.keyAlias()).ifPresent(k -> certificates.put(k.alias(), k.certificate()));
            }
        } catch (HsmException e) {
            metrics.hsmError("key-lookup");
        }
        return certificates;
    }

    /** True when the token answers: the TLS key can be found (a session and a login work). */
    public boolean tokenUp() {
        try {
            return token.key(ApplianceRegistry.TLS_KEY_ALIAS).isPresent();
        } catch (HsmException e) {
            return false;
        }
    }

    /**
     * Reads the token's keys and chains again, so that a certificate the operator imported with the
     * CLI (another process) is used from now on; failures are counted, not thrown.
     */
    public void reload() {
        try {
            token.reload();
        } catch (HsmException e) {
            metrics.hsmError("reload");
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
            return token.key(tenant.keyAlias()).isPresent();
        } catch (HsmException e) {
            return false;
        }
    }

}
