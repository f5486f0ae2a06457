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
            run(environment, spec.commandLine().getOut());
        } finally {
            spec.commandLine().getOut().flush();
        }
        return 0;
    }

    abstract void run(ProvisioningEnvironment environment, PrintWriter out);

    private ProvisionCommand provisionCommand() {
        for (CommandSpec s = spec; s != null; s = s.parent()) {
            if (s.userObject() instanceof ProvisionCommand provision) {
                return provision;
            }
        }
        throw new IllegalStateException("this command must run under 'provision'");
    }
}
