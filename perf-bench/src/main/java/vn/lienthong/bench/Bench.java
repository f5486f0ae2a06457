package vn.lienthong.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import vn.lienthong.bench.e2e.E2eCommand;
import vn.lienthong.bench.fairness.FairnessCommand;
import vn.lienthong.provisioning.cli.OperatorErrorHandler;

/** {@code lienthong bench}: the operator's load tests (the launcher runs this class from perf-bench's jar). */
@Command(name = "lienthong bench", mixinStandardHelpOptions = true, version = "lienthong bench 0.1.0",
        description = {"Load tests of the appliance, each figure beside its baseline measured in the same run.",
                "See perf-bench/README.md for what each figure means."},
        subcommands = {E2eCommand.class, FairnessCommand.class})
public final class Bench implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(OperatorErrorHandler.install(new CommandLine(new Bench())).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
