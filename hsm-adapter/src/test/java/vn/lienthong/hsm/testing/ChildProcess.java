package vn.lienthong.hsm.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a real child process (a CLI, another JVM) to completion and hands back its exit code and output. */
public final class ChildProcess {

    /** What the child did: its exit code and its standard output and error, interleaved. */
    public record Result(int exitCode, String output) {
    }

    private ChildProcess() {
    }

    /** Runs the command with this JVM's environment (so {@code SOFTHSM2_CONF} is inherited). */
    public static Result run(List<String> command) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(command.getFirst() + " did not finish in 120 s: " + output);
            }
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.getFirst(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.getFirst(), e);
        }
    }

    /**
     * Runs {@code mainClass} in a new JVM from this JVM's own java and test class path, with the
     * flags the PKCS#11 adapter needs.
     */
    public static Result runJava(Class<?> mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.crypto.cryptoki",
                "--add-exports=jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                mainClass.getName()));
        command.addAll(List.of(args));
        return run(command);
    }

    /**
     * The objects of a SoftHSM2 token as {@code pkcs11-tool -O} lists them after logging in: an
     * outside view of what the token really holds.
     */
    public static String pkcs11ToolObjects(SoftHsmTestToken token) {
        Result result = run(List.of("pkcs11-tool", "--module", "/usr/lib/softhsm/libsofthsm2.so",
                "--token-label", token.label(), "--login", "--pin", token.pin(), "-O"));
        if (result.exitCode() != 0) {
            throw new IllegalStateException("pkcs11-tool failed: " + result.output());
        }
        return result.output();
    }
}
