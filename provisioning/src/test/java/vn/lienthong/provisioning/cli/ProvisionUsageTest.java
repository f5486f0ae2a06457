package vn.lienthong.provisioning.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Help and usage errors: answered before anything opens a token or the storage. */
class ProvisionUsageTest {

    private static final Function<Path, ProvisioningEnvironment> NO_ENVIRONMENT = path -> {
        throw new AssertionError("a usage error or --help must not open the environment");
    };

    @Test
    void everyCommandHasHelpThatExitsZero() {
        List<List<String>> paths = new ArrayList<>();
        collect(ProvisionCommand.commandLine(NO_ENVIRONMENT), new ArrayList<>(), paths);
        assertTrue(paths.size() >= 15, "all commands and groups found: " + paths);
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            CliRun help = CliRun.of(NO_ENVIRONMENT, args.toArray(String[]::new));
            assertEquals(0, help.exitCode(), help::toString);
            assertTrue(help.out().startsWith("Usage: provision"), help::toString);
            assertTrue(help.out().contains("-h, --help"), help::toString);
        }
    }

    private static void collect(CommandLine commandLine, List<String> path, List<List<String>> paths) {
        paths.add(List.copyOf(path));
        commandLine.getSubcommands().forEach((name, sub) -> {
            List<String> subPath = new ArrayList<>(path);
            subPath.add(name);
            collect(sub, subPath, paths);
        });
    }

    @Test
    void topLevelHelpSaysWhatProvisioningIs() {
        CliRun help = CliRun.of(NO_ENVIRONMENT, "--help");
        assertTrue(help.out().contains("Set up the appliance: HSM token, keys, certificates, tenants, trust and routing."),
                help::toString);
        for (String command : List.of("token", "key", "csr", "cert", "trust", "tenant", "directory", "queue")) {
            assertTrue(help.out().contains("  " + command + " "), command);
        }
    }

    @Test
    void tokenInitHelpSaysWhatARealHsmNeedsInstead() {
        CliRun help = CliRun.of(NO_ENVIRONMENT, "token", "init", "--help");
        String text = help.out().replaceAll("\\s+", " ");
        assertTrue(text.contains("SoftHSM2 test and demo tokens only"), help::toString);
        assertTrue(text.contains("lunacm") && text.contains("cngtool") && text.contains("ppmk"), help::toString);
    }

    @Test
    void usageErrorsExitTwoWithOneSentence() {
        List<String[]> cases = List.of(
                new String[] {"key", "generate", "--tenant", "000.00.00.G22"},
                new String[] {"key", "generate", "--tenant", "000.00.00.G22", "--tls", "--alg", "ecp256"},
                new String[] {"key", "generate", "--tls", "--alg", "dsa1024"},
                new String[] {"csr"},
                new String[] {"cert", "import", "--tls"},
                new String[] {"tenant", "add"},
                new String[] {"tenant", "remove", "x"},
                new String[] {"directory"},
                new String[] {"token", "init"},
                new String[] {"--frobnicate"},
                new String[] {});
        for (String[] args : cases) {
            CliRun run = CliRun.of(NO_ENVIRONMENT, args);
            assertEquals(2, run.exitCode(), () -> String.join(" ", args) + "\n" + run);
            assertTrue(run.failedWithOneSentence(), () -> String.join(" ", args) + "\n" + run);
            assertTrue(run.err().contains("--help"), run::toString);
        }
    }

    @Test
    void versionSaysWhatIsRunning() {
        CliRun version = CliRun.of(NO_ENVIRONMENT, "tenant", "list", "--version");
        assertEquals(0, version.exitCode(), version::toString);
        assertTrue(version.out().startsWith("lienthong provisioning "), version::toString);
    }

    @Test
    void anUnknownAlgorithmNamesTheOnesThatExist() {
        CliRun run = CliRun.of(NO_ENVIRONMENT, "key", "generate", "--tls", "--alg", "rsa4096");
        assertTrue(run.err().contains("use rsa2048 or ecp256"), run::toString);
    }
}
