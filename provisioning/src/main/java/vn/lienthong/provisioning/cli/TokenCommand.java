package vn.lienthong.provisioning.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import vn.lienthong.hsm.token.PinSource;
import vn.lienthong.hsm.token.TokenConfig;

/** {@code provision token}: preparing the PKCS#11 token itself. */
@Command(name = "token", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
        description = "Prepare the appliance's PKCS#11 token.",
        subcommands = TokenCommand.Init.class)
final class TokenCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw Subcommands.missing(spec);
    }

    @Command(name = "init", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
            description = {
                "Initialise a SoftHSM2 token with the label and user PIN from the configuration file.",
                "",
                "For SoftHSM2 test and demo tokens only. softhsm2-util reads PINs from its command"
                    + " line or from a terminal, so while it runs (a moment) both PINs are visible in"
                    + " the process list to other users of this machine.",
                "",
                "A real HSM is not initialised here: initialise the token or partition and set its"
                    + " user PIN with the vendor's administration tool (for example Thales Luna"
                    + " 'lunacm' (partition init, role init), Utimaco 'cngtool'/'p11tool2' (InitToken,"
                    + " InitPIN), Entrust nShield 'ppmk' with a softcard or 'rocs' for an OCS), then"
                    + " put the token's label, its PKCS#11 library and where its user PIN comes from"
                    + " in the configuration file.",
                "",
                "Refuses if a token with the configured label already exists."
            })
    static final class Init extends ProvisioningAction {

        @Option(names = "--so-pin-file", paramLabel = "FILE", required = true,
                description = "A file whose first line is the new token's Security Officer PIN"
                        + " (keep it readable by you only).")
        Path soPinFile;

        @Override
        void run(ProvisioningEnvironment environment, PrintWriter out) {
            TokenConfig config = environment.tokenConfig();
            if (!SoftHsmUtil.isSoftHsm(config.library())) {
                throw new Refusal("'token init' initialises SoftHSM2 tokens only and the configured library is "
                        + config.library() + "; initialise a hardware token with its vendor's tool"
                        + " (see 'provision token init --help')");
            }
            char[] soPin = new PinSource.File(soPinFile).read();
            char[] userPin = config.pin().read();
            try {
                SoftHsmUtil.requirePinLength(soPin, "Security Officer PIN");
                SoftHsmUtil.requirePinLength(userPin, "user PIN");
                if (SoftHsmUtil.tokenLabels().contains(config.label())) {
                    throw new Refusal("a token labelled '" + config.label() + "' already exists; it was left as it is");
                }
                SoftHsmUtil.initToken(config.label(), userPin, soPin);
            } finally {
                Arrays.fill(soPin, '\0');
                Arrays.fill(userPin, '\0');
            }
            out.println("initialised SoftHSM2 token '" + config.label() + "' with the configured user PIN");
        }
    }
}
