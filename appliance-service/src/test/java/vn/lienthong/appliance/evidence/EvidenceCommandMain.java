package vn.lienthong.appliance.evidence;

import picocli.CommandLine;

/** Runs {@code evidence} as its own program, so tests can check real exit codes and output of a child JVM. */
public final class EvidenceCommandMain {
    private EvidenceCommandMain() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new EvidenceCommand()).execute(args));
    }
}
