package vn.lienthong.provisioning.cli;

import java.util.Optional;
import picocli.CommandLine.Option;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.provisioning.registry.Tenant;

/** Whose key a command works on: {@code --tenant ORGAN} or {@code --tls} (the appliance's TLS identity). */
final class KeyOwner {

    @Option(names = "--tenant", paramLabel = "ORGAN", required = true, converter = OrganIdConverter.class,
            description = "The tenant whose signing key (alias sign-ORGAN) to use.")
    String organId;

    @Option(names = "--tls", required = true,
            description = "Use the appliance's own TLS identity key (alias " + ApplianceRegistry.TLS_KEY_ALIAS + ").")
    boolean tls;

    /** The key alias and, for a tenant, the tenant, which must exist. */
    Resolved resolve(ProvisioningEnvironment environment) {
        return resolve(environment, false);
    }

    /**
     * Like {@link #resolve(ProvisioningEnvironment)}; with {@code next}, the tenant's next key of a
     * staged rollover ('provision key generate --tenant ORGAN --next' made it).
     */
    Resolved resolve(ProvisioningEnvironment environment, boolean next) {
        if (organId == null) {
            if (next) {
                throw new Refusal("--next is for a tenant's signing key; the TLS identity is renewed in place");
            }
            return new Resolved(ApplianceRegistry.TLS_KEY_ALIAS, Optional.empty());
        }
        // A scheduled switch whose time has come makes the next key the current one.
        Tenant tenant = environment.registry().tenant(organId).orElseThrow(() -> new Refusal(
                "there is no tenant " + organId + "; add it first with 'provision tenant add " + organId
                        + " --name NAME'")).settled(java.time.Instant.now());
        if (next) {
            if (tenant.nextKeyAlias() == null) {
                throw new Refusal("tenant " + organId + " has no next key; make one with 'provision key generate"
                        + " --tenant " + organId + " --next --alg ecp256'");
            }
            return new Resolved(tenant.nextKeyAlias(), Optional.of(tenant));
        }
        return new Resolved(tenant.keyAlias(), Optional.of(tenant));
    }

    record Resolved(String alias, Optional<Tenant> tenant) {
        /** The sentence that tells the operator how to make the missing key. */
        String generateHint() {
            return "generate it with 'provision key generate "
                    + tenant.map(t -> "--tenant " + t.organId()).orElse("--tls") + " --alg ecp256'";
        }
    }
}
