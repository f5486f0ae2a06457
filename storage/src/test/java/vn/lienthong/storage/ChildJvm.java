package vn.lienthong.storage;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Starts {@link StorageChild} in a separate JVM with the flags lienthong JVMs run with. */
final class ChildJvm {

    private ChildJvm() {
    }

    static Process start(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(StorageChild.class.getName());
        command.addAll(Arrays.asList(args));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** The root pom's {@code lienthong.jvm.flags}, passed in by Surefire; else this JVM's own flags. */
    private static List<String> jvmFlags() {
        String flags = System.getProperty("lienthong.jvm.flags");
        if (flags != null && !flags.isBlank()) {
            return List.of(flags.trim().split("\\s+"));
        }
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.startsWith("-javaagent") && !a.startsWith("-agentlib"))
                .toList();
    }
}
