package vn.lienthong.provisioning.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs SoftHSM2's {@code softhsm2-util} in a child process. A child, not PKCS#11 in this JVM:
 * SoftHSM2 reads its token directory once per process, and the tool is what operators know.
 */
final class SoftHsmUtil {

    private static final String TOOL = "softhsm2-util";
    private static final long TIMEOUT_SECONDS = 60;

    private SoftHsmUtil() {
    }

    static boolean isSoftHsm(Path library) {
        return library != null && library.getFileName() != null
                && library.getFileName().toString().contains("softhsm2");
    }

    /** SoftHSM2 takes PINs of 4 to 255 characters. */
    static void requirePinLength(char[] pin, String which) {
        if (pin.length < 4 || pin.length > 255) {
            throw new Refusal("the " + which + " must have 4 to 255 characters for SoftHSM2");
        }
    }

    /** The labels of the initialised tokens SoftHSM2 (as configured by SOFTHSM2_CONF) knows. */
    static List<String> tokenLabels() {
        List<String> labels = new ArrayList<>();
        for (String line : run(List.of(TOOL, "--show-slots"), List.of()).lines().toList()) {
            String trimmed = line.strip();
            if (trimmed.startsWith("Label:")) {
                String label = trimmed.substring("Label:".length()).strip();
                if (!label.isEmpty()) {
                    labels.add(label);
                }
            }
        }
        return labels;
    }

    static void initToken(String label, char[] userPin, char[] soPin) {
        String user = new String(userPin);
        String so = new String(soPin);
        run(List.of(TOOL, "--init-token", "--free", "--label", label, "--pin", user, "--so-pin", so), List.of(user, so));
    }

    /** The tool's output; a Refusal with its error line (secrets removed) when it fails. */
    private static String run(List<String> command, List<String> secrets) {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new Refusal(TOOL + " could not be started (is the softhsm2 package installed and on the PATH?)");
        }
        try {
            process.getOutputStream().close();
            // Read on another thread so that a tool that hangs cannot hang the CLI past the timeout.
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    process.getInputStream().transferTo(output);
                } catch (IOException e) {
                    // The process is gone; what was read is all there is.
                }
            });
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new Refusal(TOOL + " did not finish within " + TIMEOUT_SECONDS + " seconds");
            }
            reader.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
            String text = output.toString(StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new Refusal(TOOL + " " + command.get(1) + " failed: " + errorLine(text, secrets));
            }
            return text;
        } catch (IOException e) {
            throw new Refusal("talking to " + TOOL + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new Refusal(TOOL + " was interrupted");
        }
    }

    private static String errorLine(String output, List<String> secrets) {
        String line = output.lines().filter(l -> l.startsWith("ERROR")).reduce((a, b) -> b)
                .orElseGet(() -> output.lines().reduce((a, b) -> b).orElse("no output"));
        for (String secret : secrets) {
            if (!secret.isEmpty()) {
                line = line.replace(secret, "****");
            }
        }
        return line.replaceFirst("^ERROR:\\s*", "").strip();
    }
}
