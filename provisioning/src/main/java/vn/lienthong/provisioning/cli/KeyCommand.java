package vn.lienthong.provisioning.cli;

import java.io.PrintWriter;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;
import vn.lienthong.provisioning.registry.Tenant;

/** {@code provision key}: key pairs generated inside the HSM. */
@Command(name = "key", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
        description = "Manage the key pairs in the HSM.",
        subcommands = {KeyCommand.Generate.class, KeyCommand.Switch.class})
final class KeyCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw Subcommands.missing(spec);
    }

    @Command(name = "generate", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
            description = {
                "Generate a key pair inside the HSM (never extractable) for a tenant (alias sign-ORGAN)"
                    + " or for the appliance's TLS identity (alias tls), and print the alias and the"
                    + " SHA-256 of the public key (DER SubjectPublicKeyInfo).",
                "Refuses if the alias already has a key. With --next (a tenant only), generates the next key of a"
                    + " staged rollover (alias sign-ORGAN_N) while the current one keeps signing: then 'csr --next',"
                    + " 'cert import --next', and 'key switch' at the chosen moment."
            })
    static final class Generate extends ProvisioningAction {

        @ArgGroup(exclusive = true, multiplicity = "1")
        KeyOwner owner;

        @Option(names = "--alg", paramLabel = "ALG", required = true, converter = KeyAlgorithmConverter.class,
                description = "rsa2048 or ecp256.")
        KeyAlgorithm algorithm;

        @Option(names = "--next", description = "Generate the tenant's next key (staged rollover).")
        boolean next;

        @Override
        void run(ProvisioningEnvironment environment, PrintWriter out) {
            KeyOwner.Resolved resolved = owner.resolve(environment);
            Token token = environment.tokenFor(resolved.tenant());
            String alias = resolved.alias();
            if (next) {
                Tenant tenant = resolved.tenant().orElseThrow(() -> new Refusal(
                        "--next is for a tenant's signing key; the TLS identity is renewed in place"));
                if (tenant.nextKeyAlias() != null) {
                    throw new Refusal("tenant " + tenant.organId() + " already has a next key, " + tenant.nextKeyAlias()
                            + "; switch to it with 'provision key switch --tenant " + tenant.organId() + "'");
                }
                alias = tenant.nextGenerationAlias();
            }
            if (token.key(alias).isPresent()) {
                throw new Refusal("the token already holds a key under the alias " + alias
                        + "; it was kept (for a key rotation, generate the next key with --next and 'provision key switch' to it)");
            }
            TokenKey key = token.generateKey(alias, algorithm);
            if (next) {
                Tenant tenant = resolved.tenant().orElseThrow();
                environment.registry().putTenant(tenant.withNextKey(alias));
            }
            out.println("alias: " + key.alias());
            out.println("algorithm: " + algorithm.cliName());
            out.println("public key SHA-256: " + sha256(key.publicKey().getEncoded()));
        }
    }

    @Command(name = "switch", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
            description = {
                "Switch a tenant to its next key (staged rollover), now or at --at: from then on the next key"
                    + " signs its envelopes and receipts; the previous key stays in the HSM, and everything it"
                    + " signed stays verifiable with the certificate carried in each signature.",
                "Refuses while the next key has no certificate from the CA ('provision cert import --next')."
            })
    static final class Switch extends ProvisioningAction {

        @Option(names = "--tenant", paramLabel = "ORGAN", required = true, converter = OrganIdConverter.class,
                description = "The tenant.")
        String organId;

        @Option(names = "--at", paramLabel = "TIME",
                description = "When to switch, as an ISO-8601 instant (e.g. 2026-12-01T00:00:00Z); default now.")
        java.time.Instant at;

        @Override
        void run(ProvisioningEnvironment environment, PrintWriter out) {
            Tenant tenant = environment.registry().tenant(organId).orElseThrow(() -> new Refusal(
                    "there is no tenant " + organId + "; 'provision tenant list' shows the tenants"));
            if (tenant.nextKeyAlias() == null) {
                throw new Refusal("tenant " + organId + " has no next key; make one with 'provision key generate"
                        + " --tenant " + organId + " --next --alg ecp256'");
            }
            TokenKey next = environment.tokenFor(java.util.Optional.of(tenant)).key(tenant.nextKeyAlias())
                    .orElseThrow(() -> new Refusal("the token holds no key " + tenant.nextKeyAlias()));
            java.security.cert.X509Certificate certificate = next.certificate();
            if (certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) {
                throw new Refusal("the next key " + tenant.nextKeyAlias() + " has no certificate from the CA yet;"
                        + " import it with 'provision cert import --tenant " + organId + " --next FILE'");
            }
            java.time.Instant when = at == null ? java.time.Instant.now() : at;
            Tenant switching = tenant.withSwitchAt(when);
            environment.registry().putTenant(at == null ? switching.settled(when) : switching);
            out.println("tenant " + organId + " signs with " + tenant.nextKeyAlias() + " from " + when
                    + " (the previous key " + tenant.keyAlias() + " stays in the HSM)");
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }
}
