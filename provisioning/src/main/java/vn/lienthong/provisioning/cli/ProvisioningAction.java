package vn.lienthong.provisioning.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A leaf command: opens the environment named by {@code provision --config}, does its work, and
 * closes what it opened. Failures propagate to {@link OperatorErrorHandler}.
 */
abstract class ProvisioningAction implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() {
        try (ProvisioningEnvironment environment = provisionCommand().openEnvironment()) {
            String command = spec.qualifiedName();
            String arguments = String.join(" ", spec.commandLine().getParseResult().originalArgs());
            try {
                run(environment, spec.commandLine().getOut());
            } catch (RuntimeException e) {
                audit(environment, command, arguments, "failed: " + e.getMessage());
                throw e;
            }
            // Every operator action goes in the hash-chained audit log, failed ones too.
            audit(environment, command, arguments, "ok");
        } finally {
            spec.commandLine().getOut().flush();
        }
        return 0;
    }

    abstract void run(ProvisioningEnvironment environment, PrintWriter out);

    private static void audit(ProvisioningEnvironment environment, String command, String arguments, String outcome) {
        try {
            environment.audit(command, arguments, outcome);
        } catch (RuntimeException e) {
            // The action itself is done (or already failed); say so rather than hide it behind this.
            System.err.println("warning: the audit log could not record '" + command + "': " + e.getMessage());
        }
    }

    private ProvisionCommand provisionCommand() {
        for (CommandSpec s = spec; s != null; s = s.parent()) {
            if (s.userObject() instanceof ProvisionCommand provision) {
                return provision;
            }
        }
        throw new IllegalStateException("this command must run under 'provision'");
    }
}
