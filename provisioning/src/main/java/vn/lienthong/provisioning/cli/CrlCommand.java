package vn.lienthong.provisioning.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.hsm.trust.HeldCrl;

/** {@code provision crl}: the certificate revocation lists every chain is checked against. */
@Command(name = "crl", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
        description = "Manage the certificate revocation lists (CRLs) that every certificate chain is checked"
                + " against. Once a CRL of an issuer is held, that issuer's certificates are refused while the"
                + " CRL is past its nextUpdate: import a fresh one before then.",
        subcommands = {CrlCommand.Import.class, CrlCommand.ListCrls.class})
final class CrlCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw Subcommands.missing(spec);
    }

    @Command(name = "import", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
            description = "Hold the CRL in FILE (PEM or DER) in place of the one held for its issuer. Refused"
                    + " unless it is signed by a trust anchor, or by an intermediate CA (given with --issuer)"
                    + " that chains to one, and refused if it is older than the CRL held. The running service"
                    + " checks against it from its next request.")
    static final class Import extends ProvisioningAction {

        @Parameters(index = "0", paramLabel = "FILE", description = "The CRL.")
        Path file;

        @Option(names = "--issuer", paramLabel = "FILE",
                description = "The intermediate CA certificate that signed the CRL, with its chain (PEM or DER),"
                        + " when that CA is not itself a trust anchor.")
        Path issuer;

        @Override
        void run(ProvisioningEnvironment environment, PrintWriter out) {
            List<X509CRL> crls;
            try {
                crls = Pem.crls(InputFiles.read(file));
            } catch (IllegalArgumentException e) {
                throw new Refusal("the file " + file + " holds no readable CRL: " + e.getMessage());
            }
            if (crls.size() != 1) {
                throw new Refusal("the file " + file + " holds " + crls.size() + " CRLs; import them one by one");
            }
            List<X509Certificate> intermediates = issuer == null ? List.of() : InputFiles.certificates(issuer);
            HeldCrl held = environment.registry().importCrl(crls.getFirst(), intermediates, Instant.now());
            out.println("holding the CRL of " + held.issuerName() + ": " + held.revokedEntries()
                    + " revoked, issued " + held.crl().getThisUpdate().toInstant() + ", next update "
                    + nextUpdate(held));
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
            description = "List the CRLs held: issuer, thisUpdate, nextUpdate and how many certificates each revokes.")
    static final class ListCrls extends ProvisioningAction {

        @Override
        void run(ProvisioningEnvironment environment, PrintWriter out) {
            List<HeldCrl> crls = environment.registry().crls();
            if (crls.isEmpty()) {
                out.println("no CRL is held; import one with 'provision crl import FILE'");
                return;
            }
            Table table = new Table("ISSUER", "THIS UPDATE", "NEXT UPDATE", "REVOKED");
            for (HeldCrl held : crls) {
                table.add(held.issuerName(), held.crl().getThisUpdate().toInstant().toString(), nextUpdate(held),
                        String.valueOf(held.revokedEntries()));
            }
            table.print(out);
        }
    }

    private static String nextUpdate(HeldCrl held) {
        return held.crl().getNextUpdate() == null ? "none" : held.crl().getNextUpdate().toInstant().toString();
    }
}
