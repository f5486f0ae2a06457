package vn.lienthong.appliance.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code lienthong bench}: listed here so that {@code --help} shows it; the launcher runs the load
 * generator itself from perf-bench's jar, which depends on this module and so cannot live in it.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Load-test a pair of appliances and report where the time goes (bench e2e --help).",
                "Runs from perf-bench (see perf-bench/README.md); the launcher builds and starts it."})
public final class BenchCommand implements Callable<Integer> {

    @Unmatched
    List<String> arguments;

    @Override
    public Integer call() {
        System.err.println("error: the bench commands run from perf-bench's jar: start them with the launcher,"
                + " ./lienthong bench e2e");
        return 2;
    }
}
