package vn.lienthong.provisioning.cli;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code provision}: the operator's commands that set up the appliance's token, keys,
 * certificates, tenants, trust anchors, CRLs and routing directory, and look after the outbox's dead letters. Each command writes straight to the
 * token and the shared registry, so a running service sees the change without a restart.
 */
@Command(name = "provision",
        mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
        description = "Set up the appliance: HSM token, keys, certificates, tenants, trust and routing.",
        subcommands = {
            TokenCommand.class,
            KeyCommand.class,
            CsrCommand.class,
            CertCommand.class,
            TrustCommand.class,
            CrlCommand.class,
            TenantCommand.class,
            DirectoryCommand.class,
            QueueCommand.class,
            OperatorCommand.class
        })
public final class ProvisionCommand implements Runnable {

    private final Function<Path, ProvisioningEnvironment> environments;

    @Spec
    private CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            defaultValue = "${env:LIENTHONG_CONFIG:-config.yaml}",
            description = "The appliance's configuration file (default: $LIENTHONG_CONFIG, else ./config.yaml).")
    private Path config;

    /** @param environments opens the appliance's token and registry described by a configuration file */
    public ProvisionCommand(Function<Path, ProvisioningEnvironment> environments) {
        this.environments = Objects.requireNonNull(environments);
    }

    /** A command line for {@code provision} alone, with {@link OperatorErrorHandler} installed. */
    public static CommandLine commandLine(Function<Path, ProvisioningEnvironment> environments) {
        return OperatorErrorHandler.install(new CommandLine(new ProvisionCommand(environments)));
    }

    @Override
    public void run() {
        throw Subcommands.missing(spec);
    }

    /** Opens the environment for the configuration file given; the caller closes it. */
    ProvisioningEnvironment openEnvironment() {
        return environments.apply(config);
    }
}
