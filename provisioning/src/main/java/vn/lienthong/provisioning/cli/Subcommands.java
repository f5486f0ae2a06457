package vn.lienthong.provisioning.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** What a command group does when called without one of its subcommands. */
final class Subcommands {
    private Subcommands() {
    }

    static ParameterException missing(CommandSpec spec) {
        return new ParameterException(spec.commandLine(),
                "Missing subcommand: give one of " + String.join(", ", spec.subcommands().keySet()));
    }
}
