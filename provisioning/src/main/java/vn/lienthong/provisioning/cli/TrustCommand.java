package vn.lienthong.provisioning.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.provisioning.registry.ApplianceRegistry;

/** {@code provision trust}: the CA certificates the appliance trusts. */
@Command(name = "trust", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
        description = "Manage the trust anchors (CA certificates) certificate chains must lead to.",
        subcommands = TrustCommand.Add.class)
final class TrustCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw Subcommands.missing(spec);
    }

    @Command(name = "add", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
            description = "Trust every CA certificate in FILE (PEM or DER); refuses the whole file,"
                    + " adding nothing, if one of its certificates is not a CA certificate.")
    static final class Add extends ProvisioningAction {

        @Parameters(index = "0", paramLabel = "FILE", description = "One or more CA certificates.")
        Path file;

        @Override
        void run(ProvisioningEnvironment environment, PrintWriter out) {
            List<X509Certificate> certificates = InputFiles.certificates(file);
            for (int i = 0; i < certificates.size(); i++) {
                X509Certificate certificate = certificates.get(i);
                if (certificate.getBasicConstraints() < 0) {
                    throw new Refusal("certificate " + (i + 1) + " in " + file + " ("
                            + certificate.getSubjectX500Principal().getName() + ") is not a CA certificate;"
                            + " nothing was added");
                }
            }
            ApplianceRegistry registry = environment.registry();
            for (X509Certificate certificate : certificates) {
                registry.addTrustAnchor(certificate);
                out.println("trusted " + certificate.getSubjectX500Principal().getName()
                        + " SHA-256 " + Pem.sha256Fingerprint(certificate)
                        + " valid until " + TenantCommand.date(certificate.getNotAfter().toInstant()));
            }
        }
    }
}
