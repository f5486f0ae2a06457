package vn.lienthong.provisioning.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.hsm.token.TokenKey;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.provisioning.registry.Tenant;

/** {@code provision tenant}: the organs this appliance hosts. */
@Command(name = "tenant", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
        description = "Manage the tenants (organs) this appliance hosts.",
        subcommands = {TenantCommand.Add.class, TenantCommand.ListTenants.class, TenantCommand.SdkSecret.class,
            TenantCommand.XmlDsig.class})
final class TenantCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw Subcommands.missing(spec);
    }

    @Command(name = "add", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
            description = {
                "Add a tenant, or update an existing one: a new --name replaces its name, and each"
                    + " --dms-cert binds one more document-system client certificate to it.",
                "Its signing key's alias is sign-ORGAN; generate the key with 'provision key generate'."
            })
    static final class Add extends ProvisioningAction {

        @Parameters(index = "0", paramLabel = "ORGAN", converter = OrganIdConverter.class,
                description = "The organ id, e.g. 000.00.00.G22.")
        String organId;

        @Option(names = "--name", paramLabel = "NAME", description = "The organ's name (required for a new tenant).")
        String name;

        @Option(names = "--dms-cert", paramLabel = "FILE",
                description = "A certificate (PEM or DER; the first in the file) the tenant's document"
                        + " management system presents to the local API (repeatable).")
        List<Path> dmsCertificates = new ArrayList<>();

        @Override
        void run(ProvisioningEnvironment environment, PrintWriter out) {
            // Read the files before touching the registry, so a bad file changes nothing.
            List<String> pins = new ArrayList<>();
            for (Path file : dmsCertificates) {
                pins.add(Pem.sha256Fingerprint(InputFiles.certificates(file).getFirst()));
            }
            ApplianceRegistry registry = environment.registry();
            Optional<Tenant> existing = registry.tenant(organId);
            if (existing.isEmpty() && (name == null || name.isBlank())) {
                throw new ParameterException(spec.commandLine(),
                        "Missing --name: a new tenant needs a name, e.g. --name \"Bộ Tư pháp\"");
            }
            Tenant tenant = existing
                    .map(t -> name == null ? t : t.withName(name))
                    .orElseGet(() -> Tenant.of(organId, name));
            for (String pin : pins) {
                tenant = tenant.withDmsCertificate(pin);
            }
            registry.putTenant(tenant);
            out.println((existing.isPresent() ? "updated" : "added") + " tenant " + tenant.organId()
                    + " (" + tenant.name() + "), key alias " + tenant.keyAlias() + ", "
                    + tenant.dmsCertificateSha256().size() + " DMS certificate(s)");
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
            description = "List the tenants with their key, certificate and DMS certificates.")
    static final class ListTenants extends ProvisioningAction {

        @Override
        void run(ProvisioningEnvironment environment, PrintWriter out) {
            List<Tenant> tenants = environment.registry().tenants();
            if (tenants.isEmpty()) {
                out.println("no tenants; add one with 'provision tenant add ORGAN --name NAME'");
                return;
            }
            Table table = new Table("ORGAN ID", "NAME", "KEY ALIAS", "KEY IN HSM", "CERTIFICATE", "EXPIRES", "DMS CERTS");
            for (Tenant tenant : tenants) {
                Optional<TokenKey> key = environment.tokenFor(Optional.of(tenant)).key(tenant.keyAlias());
                Optional<X509Certificate> certificate = key.map(TokenKey::certificate)
                        .filter(c -> !c.getSubjectX500Principal().equals(c.getIssuerX500Principal()));
                table.add(tenant.organId(), tenant.name(), tenant.keyAlias(), key.isPresent() ? "yes" : "no",
                        certificate.map(c -> c.getSubjectX500Principal().getName()).orElse("-"),
                        certificate.map(c -> date(c.getNotAfter().toInstant())).orElse("-"),
                        String.valueOf(tenant.dmsCertificateSha256().size()));
            }
            table.print(out);
        }
    }

    @Command(name = "sdk-secret", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
            description = {
                "Issue a new secret for the tenant's document system to sign the SDK API's headers"
                    + " (HMAC-SHA256); it replaces the previous one and is printed only this once.",
                "It is stored encrypted under an AES key generated in the HSM (alias sdk-secrets)."
            })
    static final class SdkSecret extends ProvisioningAction {

        @Parameters(index = "0", paramLabel = "ORGAN", converter = OrganIdConverter.class,
                description = "The tenant's organ id.")
        String organId;

        @Override
        void run(ProvisioningEnvironment environment, PrintWriter out) {
            if (environment.registry().tenant(organId).isEmpty()) {
                throw new ParameterException(spec.commandLine(), "No tenant " + organId
                        + ": add it first with 'provision tenant add " + organId + " --name NAME'");
            }
            String secret = environment.registry().sdkSecrets(environment.token()).issue(organId);
            out.println("SDK secret for " + organId + " (systemid " + organId + "): " + secret);
        }
    }

    @Command(name = "xmldsig", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
            description = "Apply (or stop applying) the organisation's enveloped XML signature, made with the"
                    + " tenant's HSM key, to the tenant's outgoing edXML messages.")
    static final class XmlDsig extends ProvisioningAction {

        @Parameters(index = "0", paramLabel = "ORGAN", converter = OrganIdConverter.class,
                description = "The tenant's organ id.")
        String organId;

        @Parameters(index = "1", paramLabel = "on|off", description = "on or off.")
        String state;

        @Override
        void run(ProvisioningEnvironment environment, PrintWriter out) {
            if (!state.equals("on") && !state.equals("off")) {
                throw new ParameterException(spec.commandLine(), "Say on or off, e.g. 'tenant xmldsig " + organId + " on'");
            }
            if (environment.registry().tenant(organId).isEmpty()) {
                throw new ParameterException(spec.commandLine(), "No tenant " + organId);
            }
            environment.registry().setSignsEdxml(organId, state.equals("on"));
            out.println("XML signature for " + organId + "'s outgoing edXML: " + state);
        }
    }

    /** A certificate date as operators read it: the UTC day. */
    static String date(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC).toLocalDate().toString();
    }
}
