package vn.lienthong.appliance;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import vn.lienthong.appliance.audit.AuditCommand;
import vn.lienthong.appliance.cli.BenchCommand;
import vn.lienthong.appliance.cli.ConfiguredEnvironment;
import vn.lienthong.appliance.cli.StorageCommand;
import vn.lienthong.appliance.cli.ServeCommand;
import vn.lienthong.appliance.demo.DemoCommand;
import vn.lienthong.appliance.evidence.EvidenceCommand;
import vn.lienthong.provisioning.cli.OperatorErrorHandler;
import vn.lienthong.provisioning.cli.ProvisionCommand;

/** The {@code lienthong} command: run the appliance, set it up, check evidence, or see a demo. */
@Command(name = "lienthong",
        mixinStandardHelpOptions = true,
        version = "lienthong 0.1.0",
        description = "The secure server appliance for the National Document Interconnection Axis.",
        subcommands = {DemoCommand.class, ServeCommand.class, EvidenceCommand.class, AuditCommand.class,
            StorageCommand.class, BenchCommand.class})
public final class Lienthong {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command tree with plain one-sentence errors, as the launcher runs it. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Lienthong());
        commandLine.addSubcommand(new ProvisionCommand(ConfiguredEnvironment::open));
        return OperatorErrorHandler.install(commandLine);
    }
}
