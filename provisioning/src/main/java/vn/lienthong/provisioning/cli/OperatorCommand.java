package vn.lienthong.provisioning.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.provisioning.registry.Operator;
import vn.lienthong.provisioning.registry.OperatorRole;

/** {@code provision operator}: who may use the operator API, and in which role. */
@Command(name = "operator", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
        description = "Manage the operators of the operator API (client certificate and role).",
        subcommands = {OperatorCommand.Add.class, OperatorCommand.ListOperators.class, OperatorCommand.Remove.class})
final class OperatorCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw Subcommands.missing(spec);
    }

    @Command(name = "add", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
            description = {
                "Let the holder of a client certificate use the operator API in a role, at once:",
                "security-officer (tokens and keys), registration-officer (tenants, certificates, directory),"
                    + " observer (read only). Every call is audited with the operator's name."
            })
    static final class Add extends ProvisioningAction {

        @Parameters(index = "0", paramLabel = "NAME", description = "The operator's name, as the audit log shows it.")
        String name;

        @Option(names = "--role", required = true, paramLabel = "ROLE",
                description = "security-officer, registration-officer or observer.")
        String role;

        @Option(names = "--cert", required = true, paramLabel = "FILE",
                description = "The operator's client certificate (PEM or DER; the first in the file).")
        Path certificate;

        @Override
        void run(ProvisioningEnvironment environment, PrintWriter out) {
            String pin = Pem.sha256Fingerprint(InputFiles.certificates(certificate).getFirst());
            Operator operator = new Operator(name, OperatorRole.of(role), pin);
            environment.registry().putOperator(operator);
            out.println("operator " + operator.name() + " (" + operator.role().word() + "), certificate SHA-256 " + pin);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
            description = "List the operators with their role and certificate fingerprint.")
    static final class ListOperators extends ProvisioningAction {
        @Override
        void run(ProvisioningEnvironment environment, PrintWriter out) {
            List<Operator> operators = environment.registry().operators();
            if (operators.isEmpty()) {
                out.println("no operators; add one with 'provision operator add NAME --role ROLE --cert FILE'");
                return;
            }
            Table table = new Table("NAME", "ROLE", "CERTIFICATE SHA-256");
            operators.forEach(o -> table.add(o.name(), o.role().word(), o.certificateSha256()));
            table.print(out);
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
            description = "Remove an operator (every certificate under that name), at once.")
    static final class Remove extends ProvisioningAction {

        @Parameters(index = "0", paramLabel = "NAME", description = "The operator's name.")
        String name;

        @Override
        void run(ProvisioningEnvironment environment, PrintWriter out) {
            int removed = environment.registry().removeOperator(name);
            if (removed == 0) {
                throw new Refusal("there is no operator " + name + "; 'provision operator list' shows them");
            }
            out.println("removed operator " + name + " (" + removed + " certificate(s))");
        }
    }
}
