package vn.lienthong.bench.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import vn.lienthong.appliance.Lienthong;
import vn.lienthong.appliance.cli.JvmLauncher;
import vn.lienthong.appliance.demo.ApplianceSetup;

/**
 * Runs one appliance's {@code lienthong provision} commands in one child JVM, one after the other, as
 * the parent sends them: the same commands an operator types, with that appliance's
 * {@code SOFTHSM2_CONF}, but one JVM start instead of one per command. The parent's side is an
 * {@link ApplianceSetup.Cli}; {@link #main} is the child's: a line of JSON arguments in, a line of
 * JSON {@code {"exit":N,"output":"…"}} out.
 */
public final class ProvisioningShell implements ApplianceSetup.Cli, AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ANSWER = "@@provisioned ";

    private final Path config;
    private final Process process;
    private final BufferedWriter commands;
    private final BufferedReader answers;

    private ProvisioningShell(Path config, Process process) {
        this.config = config;
        this.process = process;
        this.commands = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Starts the child for the appliance configured by {@code config}, its log (stderr) going to {@code log}. */
    public static ProvisioningShell start(Path config, Path softhsm2Conf, Path log) throws IOException {
        Process process = new JvmLauncher(ProvisioningShell.class.getName())
                .builder(Map.of("SOFTHSM2_CONF", softhsm2Conf.toString()), List.of())
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        return new ProvisioningShell(config, process);
    }

    @Override
    public synchronized void provision(List<String> arguments) throws Exception {
        List<String> all = new ArrayList<>(List.of("provision", "--config", config.toString()));
        all.addAll(arguments);
        commands.write(JSON.writeValueAsString(all));
        commands.newLine();
        commands.flush();
        String line;
        do {
            line = answers.readLine();
            if (line == null) {
                throw new IOException("the provisioning process stopped during 'lienthong provision "
                        + String.join(" ", arguments) + "'");
            }
        } while (!line.startsWith(ANSWER));
        JsonNode answer = JSON.readTree(line.substring(ANSWER.length()));
        if (answer.path("exit").asInt() != 0) {
            throw new IOException("'lienthong provision " + String.join(" ", arguments) + "' failed: "
                    + answer.path("output").asText().strip());
        }
    }

    @Override
    public void close() {
        try {
            commands.close();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
        }
    }

    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        String line;
        while ((line = in.readLine()) != null) {
            String[] arguments = JSON.readValue(line, String[].class);
            StringWriter output = new StringWriter();
            CommandLine commandLine = Lienthong.commandLine();
            commandLine.setOut(new PrintWriter(output));
            commandLine.setErr(new PrintWriter(output));
            int exit = commandLine.execute(arguments);
            out.println(ANSWER + JSON.writeValueAsString(Map.of("exit", exit, "output", output.toString())));
        }
        System.exit(0);
    }
}
