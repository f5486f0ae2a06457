package vn.lienthong.appliance.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts {@code lienthong} subcommands as child processes of this JVM, with the same java, JVM
 * flags and classpath, and the child's own environment (e.g. its {@code SOFTHSM2_CONF}): each
 * appliance has its own HSM token directory, which SoftHSM2 reads once per process.
 */
public final class JvmLauncher {

    /** What a finished child process printed and how it exited. */
    public record Result(int exitCode, String output) {
    }

    private final List<String> javaAndFlags;

    public JvmLauncher() {
        this("vn.lienthong.appliance.Lienthong");
    }

    /** A launcher of another main class on the same classpath (perf-bench starts its helpers with it). */
    public JvmLauncher(String mainClass) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // Debug agents and the like are not for the children; the module and native-access flags are.
            if (!argument.startsWith("-agentlib") && !argument.startsWith("-javaagent")) {
                command.add(argument);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        this.javaAndFlags = List.copyOf(command);
    }

    /** Runs a subcommand to completion (at most two minutes), capturing its output. */
    public Result run(Map<String, String> environment, List<String> arguments) throws IOException, InterruptedException {
        Process process = builder(environment, arguments).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IOException("'lienthong " + String.join(" ", arguments) + "' did not finish in two minutes");
        }
        return new Result(process.exitValue(), output.strip());
    }

    /** Starts a long-running subcommand (serve) with its output going to {@code log}. */
    public Process start(Map<String, String> environment, List<String> arguments, Path log) throws IOException {
        return builder(environment, arguments)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    /** The process builder for a child running {@code arguments}, for callers that need its pipes. */
    public ProcessBuilder builder(Map<String, String> environment, List<String> arguments) {
        List<String> command = new ArrayList<>(javaAndFlags);
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        return builder;
    }
}
