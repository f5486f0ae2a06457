package vn.lienthong.appliance.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import vn.lienthong.appliance.config.ApplianceConfig;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenConfig;
import vn.lienthong.provisioning.cli.ProvisioningEnvironment;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.provisioning.registry.KeyAliasMigration;
import vn.lienthong.provisioning.registry.Tenant;
import vn.lienthong.storage.Storage;
import vn.lienthong.storage.audit.AuditEvent;

/**
 * What the operator's {@code provision} commands act on, opened from the appliance's config file:
 * the same HSM token and the same LMDB store the running service uses (each opened only when a
 * command needs it), so that a command takes effect in the service without a restart.
 */
public final class ConfiguredEnvironment implements ProvisioningEnvironment {

    private final ApplianceConfig config;
    private Token token;
    private Storage storage;
    private final Map<String, Token> tenantTokens = new LinkedHashMap<>();
    private boolean aliasesMigrated;

    private ConfiguredEnvironment(ApplianceConfig config) {
        this.config = config;
    }

    public static ProvisioningEnvironment open(Path configFile) {
        return new ConfiguredEnvironment(ApplianceConfig.load(configFile));
    }

    @Override
    public TokenConfig tokenConfig() {
        return config.token();
    }

    @Override
    public synchronized Token token() {
        if (token == null) {
            token = Token.open(config.token());
        }
        return token;
    }

    @Override
    public synchronized Token tokenFor(Optional<Tenant> tenant) {
        TokenConfig configured = tenant.map(t -> config.tokenFor(t.organId())).orElse(config.token());
        if (configured.equals(config.token())) {
            return token();
        }
        // Each further token is opened once per process, like the main one.
        return tenantTokens.computeIfAbsent(configured.label(), label -> Token.open(configured));
    }

    @Override
    public synchronized ApplianceRegistry registry() {
        ApplianceRegistry registry = new ApplianceRegistry(storage().registry());
        if (!aliasesMigrated) {
            // Once per process: a store written before issue 14 may hold rollover aliases of the old form.
            aliasesMigrated = true;
            KeyAliasMigration.migrate(registry, organ -> tokenFor(registry.tenant(organ)), storage().audit(),
                    Operator.name(), Clock.systemUTC());
        }
        return registry;
    }

    @Override
    public synchronized Storage storage() {
        if (storage == null) {
            storage = Storage.open(config.storagePath(), config.storageMapSizeBytes());
        }
        return storage;
    }

    @Override
    public synchronized void audit(String command, String arguments, String outcome) {
        storage().audit().append(new AuditEvent(Instant.now(), Operator.name(), command,
                arguments + " -> " + outcome));
    }

    @Override
    public synchronized void close() {
        tenantTokens.values().forEach(Token::close);
        if (token != null) {
            token.close();
        }
        if (storage != null) {
            storage.close();
        }
    }
}
