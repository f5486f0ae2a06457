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
import vn.lienthong.provisioning.registry.TenantQuota;
import vn.lienthong.provisioning.registry.TenantStatus;

/** {@code provision tenant}: the organs this appliance hosts. */
@Command(name = "tenant", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
        description = "Manage the tenants (organs) this appliance hosts.",
        subcommands = {TenantCommand.Add.class, TenantImport.class, TenantCommand.ListTenants.class, TenantCommand.Suspend.class,
            TenantCommand.Resume.class, TenantCommand.Remove.class, TenantCommand.Quota.class,
            TenantCommand.SdkSecret.class, TenantCommand.XmlDsig.class})
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
                    // Adding a removed organ again brings it back, with the messages it left.
                    .map(t -> t.status() == TenantStatus.REMOVED ? t.withStatus(TenantStatus.ACTIVE) : t)
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
            Table table = new Table("ORGAN ID", "NAME", "STATUS", "KEY ALIAS", "KEY IN HSM", "CERTIFICATE", "EXPIRES",
                    "DMS CERTS", "QUOTA");
            for (Tenant tenant : tenants) {
                Optional<TokenKey> key = environment.tokenFor(Optional.of(tenant)).key(tenant.keyAlias());
                Optional<X509Certificate> certificate = key.map(TokenKey::certificate)
                        .filter(c -> !c.getSubjectX500Principal().equals(c.getIssuerX500Principal()));
                table.add(tenant.organId(), tenant.name(), tenant.status().word(), tenant.keyAlias(),
                        key.isPresent() ? "yes" : "no",
                        certificate.map(c -> c.getSubjectX500Principal().getName()).orElse("-"),
                        certificate.map(c -> date(c.getNotAfter().toInstant())).orElse("-"),
                        String.valueOf(tenant.dmsCertificateSha256().size()), quota(tenant.quota()));
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

    /** A tenant that exists, for the commands that change one. */
    static Tenant existing(ApplianceRegistry registry, String organId) {
        return registry.tenant(organId).orElseThrow(() -> new Refusal("there is no tenant " + organId
                + "; 'provision tenant list' shows the tenants"));
    }

    /** Sets a tenant's status; the running service sees it at its next request. */
    abstract static class StatusChange extends ProvisioningAction {

        @Parameters(index = "0", paramLabel = "ORGAN", converter = OrganIdConverter.class,
                description = "The tenant's organ id.")
        String organId;

        abstract TenantStatus target();

        abstract String done();

        @Override
        void run(ProvisioningEnvironment environment, PrintWriter out) {
            Tenant tenant = environment.registry().changeTenantStatus(organId, target());
            out.println(done() + " tenant " + organId + " (" + tenant.name() + "): now " + target().word());
        }
    }

    @Command(name = "suspend", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
            description = {
                "Suspend a tenant at once, without a restart: its document system is answered 403"
                    + " tenant-suspended, and envelopes for it are refused with 503 and Retry-After, so that"
                    + " the sending appliances keep them and retry. Nothing it has is deleted.",
                "Documents it submitted before are still delivered."
            })
    static final class Suspend extends StatusChange {
        @Override
        TenantStatus target() {
            return TenantStatus.SUSPENDED;
        }

        @Override
        String done() {
            return "suspended";
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
            description = "Let a suspended tenant use the appliance again, without a restart.")
    static final class Resume extends StatusChange {
        @Override
        TenantStatus target() {
            return TenantStatus.ACTIVE;
        }

        @Override
        String done() {
            return "resumed";
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
            description = {
                "Remove a tenant, without a restart: its DMS certificates are unbound and envelopes for it"
                    + " are refused as for an unknown recipient.",
                "Its stored messages, evidence (envelopes and receipts), signing key and audit records are"
                    + " kept; 'provision tenant add' brings it back."
            })
    static final class Remove extends StatusChange {
        @Override
        TenantStatus target() {
            return TenantStatus.REMOVED;
        }

        @Override
        String done() {
            return "removed";
        }
    }

    @Command(name = "quota", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
            description = {
                "Set a tenant's quota, without a restart (0 for no limit; options not given stay as they are).",
                "Over its submission rate its document system is answered 429 with Retry-After; over its"
                    + " queued documents or bytes (in its outbox, not yet delivered), 507.",
                "Over its inbox documents or bytes (received, not yet acknowledged by its document system),"
                    + " a sending appliance is answered 507 with Retry-After and keeps the document to retry."
            })
    static final class Quota extends ProvisioningAction {

        @Parameters(index = "0", paramLabel = "ORGAN", converter = OrganIdConverter.class,
                description = "The tenant's organ id.")
        String organId;

        @Option(names = "--queued-documents", paramLabel = "N",
                description = "Most documents waiting in its outbox.")
        Long queuedDocuments;

        @Option(names = "--queued-mib", paramLabel = "MIB", description = "Most MiB waiting in its outbox.")
        Long queuedMib;

        @Option(names = "--submissions-per-minute", paramLabel = "N",
                description = "Most documents its document system may submit per minute (bursts up to N).")
        Integer submissionsPerMinute;

        @Option(names = "--inbox-documents", paramLabel = "N",
                description = "Most documents unacknowledged in its inbox.")
        Long inboxDocuments;

        @Option(names = "--inbox-mib", paramLabel = "MIB", description = "Most MiB unacknowledged in its inbox.")
        Long inboxMib;

        @Override
        void run(ProvisioningEnvironment environment, PrintWriter out) {
            ApplianceRegistry registry = environment.registry();
            Tenant tenant = existing(registry, organId);
            TenantQuota old = tenant.quota();
            TenantQuota quota;
            try {
                quota = new TenantQuota(queuedDocuments == null ? old.queuedDocuments() : queuedDocuments,
                        queuedMib == null ? old.queuedBytes() : Math.multiplyExact(queuedMib, 1024L * 1024),
                        submissionsPerMinute == null ? old.submissionsPerMinute() : submissionsPerMinute)
                        .withInbox(inboxDocuments == null ? old.inboxDocuments() : inboxDocuments,
                                inboxMib == null ? old.inboxBytes() : Math.multiplyExact(inboxMib, 1024L * 1024));
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new ParameterException(spec.commandLine(), "A quota is a whole number, 0 for no limit.");
            }
            registry.putTenant(tenant.withQuota(quota));
            out.println("quota of tenant " + organId + ": " + quota(quota));
        }
    }

    /** A quota as the listing shows it. */
    static String quota(TenantQuota quota) {
        if (!quota.limited()) {
            return "none";
        }
        List<String> parts = new ArrayList<>();
        if (quota.queuedDocuments() > 0) {
            parts.add(quota.queuedDocuments() + " docs");
        }
        if (quota.queuedBytes() > 0) {
            parts.add(quota.queuedBytes() / (1024 * 1024) + " MiB");
        }
        if (quota.submissionsPerMinute() > 0) {
            parts.add(quota.submissionsPerMinute() + "/min");
        }
        if (quota.inboxDocuments() > 0) {
            parts.add("inbox " + quota.inboxDocuments() + " docs");
        }
        if (quota.inboxBytes() > 0) {
            parts.add("inbox " + quota.inboxBytes() / (1024 * 1024) + " MiB");
        }
        return String.join(", ", parts);
    }

    /** A certificate date as operators read it: the UTC day. */
    static String date(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC).toLocalDate().toString();
    }
}
