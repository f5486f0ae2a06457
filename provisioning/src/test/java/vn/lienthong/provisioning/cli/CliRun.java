package vn.lienthong.provisioning.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.function.Function;
import picocli.CommandLine;

/** One in-process run of {@code provision …}: exit code and what it printed. */
record CliRun(int exitCode, String out, String err) {

    static CliRun of(Function<Path, ProvisioningEnvironment> environments, String... args) {
        CommandLine commandLine = ProvisionCommand.commandLine(environments);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(args);
        return new CliRun(exitCode, out.toString(), err.toString());
    }

    /** True when stderr is exactly one line "error: …" ending a sentence, with no stack trace. */
    boolean failedWithOneSentence() {
        return err.matches("error: [^\\n]+[.!?]\\R") && !err.contains("Exception") && !err.contains("\tat ");
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
    }
}
