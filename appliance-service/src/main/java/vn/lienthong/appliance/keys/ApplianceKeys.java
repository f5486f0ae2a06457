package vn.lienthong.appliance.keys;

import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import vn.lienthong.appliance.envelope.Envelope;
import vn.lienthong.appliance.envelope.EnvelopeHeader;
import vn.lienthong.appliance.envelope.EnvelopeSealer;
import vn.lienthong.appliance.envelope.Receipt;
import vn.lienthong.appliance.envelope.ReceiptSigner;
import vn.lienthong.appliance.envelope.SignedReceipt;
import vn.lienthong.appliance.ops.ApplianceMetrics;
import vn.lienthong.hsm.HsmException;
import vn.lienthong.hsm.cms.CmsSigner;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.provisioning.registry.Tenant;

/**
 * The appliance's keys in its HSM token: each tenant's signing key and the appliance's TLS key.
 * Every signature goes through here, so that it is timed and its failures counted in one place.
 */
public final class ApplianceKeys {

    private final Token token;
    private final ApplianceRegistry registry;
    private final ApplianceMetrics metrics;
    private final EnvelopeSealer sealer;
    private final ReceiptSigner receiptSigner;
    private final java.util.function.Consumer<String> keyUsed;

    public ApplianceKeys(Token token, ApplianceRegistry registry, ApplianceMetrics metrics) {
        this(token, registry, metrics, alias -> {
        });
    }

    /** @param keyUsed told the alias of each key after it signed (for the audit log's key-usage records) */
    public ApplianceKeys(Token token, ApplianceRegistry registry, ApplianceMetrics metrics,
                         java.util.function.Consumer<String> keyUsed) {
        this.keyUsed = keyUsed;
        this.token = token;
        this.registry = registry;
        this.metrics = metrics;
        CmsSigner cms = new CmsSigner(token.provider());
        this.sealer = new EnvelopeSealer(cms);
        this.receiptSigner = new ReceiptSigner(cms);
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

    /** Signs the header in the HSM with the sender tenant's key (detached CMS). */
    public Envelope seal(EnvelopeHeader header, byte[] payload, Tenant sender) {
        TokenKey key = tenantKey(sender);
        return timed(key.alias(), () -> sealer.seal(header, payload, key));
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
            keyUsed.accept(alias);
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
