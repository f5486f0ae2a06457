package vn.lienthong.provisioning.cli;

import java.nio.file.Path;
import vn.lienthong.hsm.token.PinSource;
import vn.lienthong.hsm.token.TokenConfig;

/**
 * {@code provision …} as its own process, the way an operator runs it beside the service: the
 * token label, PIN file and LMDB directory come from the environment, the command from argv.
 */
public final class ProvisionChild {
    public static void main(String[] args) {
        TestEnvironment environment = new TestEnvironment(
                new TokenConfig(TokenConfig.SOFTHSM2_LIBRARY, System.getenv("LT_TOKEN_LABEL"),
                        new PinSource.File(Path.of(System.getenv("LT_PIN_FILE")))),
                Path.of(System.getenv("LT_LMDB_DIR")));
        int exitCode;
        try {
            exitCode = ProvisionCommand.commandLine(path -> environment).execute(args);
        } finally {
            environment.shutdown();
        }
        System.exit(exitCode);
    }
}
