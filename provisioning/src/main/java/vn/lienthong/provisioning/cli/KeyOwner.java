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
        if (organId == null) {
            return new Resolved(ApplianceRegistry.TLS_KEY_ALIAS, Optional.empty());
        }
        Tenant tenant = environment.registry().tenant(organId).orElseThrow(() -> new Refusal(
                "there is no tenant " + organId + "; add it first with 'provision tenant add " + organId
                        + " --name NAME'"));
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
