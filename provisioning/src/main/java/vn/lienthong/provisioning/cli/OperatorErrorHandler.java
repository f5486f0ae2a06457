package vn.lienthong.provisioning.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * Turns every failure of a command into one plain sentence on stderr, prefixed {@code error: },
 * never a stack trace: exit code 1 for a refused or failed operation, 2 for a usage error.
 * Install it on the root {@link CommandLine} that mounts {@link ProvisionCommand}.
 */
public final class OperatorErrorHandler implements IExecutionExceptionHandler, IParameterExceptionHandler {

    /** The exit code of an operation that was refused or failed. */
    public static final int REFUSED = 1;

    /** Sets this handler for execution and usage errors on {@code commandLine} and its subcommands. */
    public static CommandLine install(CommandLine commandLine) {
        OperatorErrorHandler handler = new OperatorErrorHandler();
        return commandLine.setExecutionExceptionHandler(handler).setParameterExceptionHandler(handler);
    }

    @Override
    public int handleExecutionException(Exception exception, CommandLine commandLine, ParseResult parseResult) {
        print(commandLine.getErr(), sentence(exception));
        return REFUSED;
    }

    @Override
    public int handleParseException(ParameterException exception, String[] args) {
        CommandLine commandLine = exception.getCommandLine();
        String help = "see '" + commandLine.getCommandSpec().qualifiedName() + " --help'";
        print(commandLine.getErr(), oneLine(exception.getMessage()) + " (" + help + ")");
        return commandLine.getCommandSpec().exitCodeOnInvalidInput();
    }

    private static void print(PrintWriter err, String sentence) {
        err.println("error: " + endWithFullStop(sentence));
        err.flush();
    }

    // Only the top-level message: the exceptions this CLI meets carry an operator's sentence there,
    // and causes hold library detail that means nothing to an operator.
    private static String sentence(Exception exception) {
        String message = exception.getMessage() == null ? "" : oneLine(exception.getMessage());
        boolean operatorFacing = exception instanceof IllegalArgumentException
                || exception instanceof IllegalStateException
                || exception.getClass().getName().startsWith("vn.lienthong.");
        if (operatorFacing && !message.isEmpty()) {
            return message;
        }
        return "the command failed unexpectedly (" + exception.getClass().getSimpleName()
                + (message.isEmpty() ? "" : ": " + message) + ")";
    }

    private static String oneLine(String message) {
        String line = message == null ? "" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
        // Some of picocli's messages already start with "Error: "; the handler adds its own prefix.
        line = line.replaceFirst("^(?i)error:\\s*", "");
        // Sentences in this CLI start in lower case after "error: "; keep acronyms (CN, HSM) as they are.
        if (line.length() > 1 && Character.isUpperCase(line.charAt(0)) && Character.isLowerCase(line.charAt(1))) {
            line = Character.toLowerCase(line.charAt(0)) + line.substring(1);
        }
        return line;
    }

    private static String endWithFullStop(String sentence) {
        return sentence.endsWith(".") || sentence.endsWith("?") || sentence.endsWith("!") ? sentence : sentence + ".";
    }
}
