package vn.lienthong.provisioning.cli;

import java.util.Optional;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenConfig;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.storage.Storage;
import vn.lienthong.provisioning.registry.Tenant;

/**
 * What a provisioning command works on: the appliance's token and its registry, built from the
 * appliance's configuration file. Implementations open the token and the storage only when first
 * asked, so that a command needing neither (e.g. {@code token init}) opens neither.
 */
public interface ProvisioningEnvironment extends AutoCloseable {

    /** How to reach the appliance's token (library, label, PIN source); never opens it. */
    TokenConfig tokenConfig();

    /** The appliance's token, opened and logged in at the first call. */
    Token token();

    /**
     * The token that holds the key of this owner: the tenant's configured token, or the main
     * token for the appliance's own keys and tenants configured nowhere else.
     */
    default Token tokenFor(Optional<Tenant> tenant) {
        return token();
    }

    /** The registry in the appliance's LMDB environment, opened at the first call. */
    ApplianceRegistry registry();

    /** The appliance's LMDB store (queues, registry, audit log), opened at the first call. */
    Storage storage();

    /**
     * Records an operator's command in the appliance's audit log ({@code outcome} "ok" or why it
     * failed). Does nothing by default (environments without a store).
     */
    default void audit(String command, String arguments, String outcome) {
    }

    /** Closes whatever was opened. */
    @Override
    void close();
}
