package vn.lienthong.appliance.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import vn.lienthong.appliance.config.ApplianceConfig;
import vn.lienthong.storage.Storage;
import vn.lienthong.storage.audit.AuditVerification;

/**
 * {@code lienthong audit}: check and export the appliance's hash-chained audit log (operator
 * actions and key usage). Works while the service runs: the store is shared.
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Check the audit log's hash chain, or export it as JSON lines.",
        subcommands = {AuditCommand.Verify.class, AuditCommand.Export.class})
public final class AuditCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand: give one of verify, export");
    }

    /** The store named by a configuration file. */
    abstract static class WithStore implements Callable<Integer> {
        @Option(names = "--config", paramLabel = "FILE", defaultValue = "${env:LIENTHONG_CONFIG:-config.yaml}",
                description = "The appliance's configuration file (default: $LIENTHONG_CONFIG, else ./config.yaml).")
        Path config;

        @Spec
        CommandSpec spec;

        Storage open() {
            ApplianceConfig loaded = ApplianceConfig.load(config);
            return Storage.open(loaded.storagePath(), loaded.storageMapSizeBytes());
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Walk the audit log's hash chain from the first record; name the first record that does"
                    + " not fit (exit 1) or say how many records are intact (exit 0).")
    static final class Verify extends WithStore {
        @Override
        public Integer call() {
            try (Storage storage = open()) {
                AuditVerification result = storage.audit().verify();
                if (!result.intact()) {
                    throw new IllegalStateException("audit record " + result.firstBadSequence().getAsLong()
                            + " does not fit: " + result.problem() + "; the " + result.verified()
                            + " records before it are intact");
                }
                PrintWriter out = spec.commandLine().getOut();
                out.println("audit log intact: " + result.verified() + " records");
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write every audit record, oldest first, as one JSON object per line (sequence, at, actor,"
                    + " action, detail, previousHash, hash in hex).")
    static final class Export extends WithStore {
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE instead of stdout.")
        Path output;

        @Override
        public Integer call() throws IOException {
            ObjectMapper json = new ObjectMapper();
            HexFormat hex = HexFormat.of();
            try (Storage storage = open();
                 Writer writer = output == null ? null : Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
                Writer sink = writer != null ? writer : spec.commandLine().getOut();
                storage.audit().forEach(record -> {
                    ObjectNode node = json.createObjectNode();
                    node.put("sequence", record.sequence());
                    node.put("at", record.at().toString());
                    node.put("actor", record.actor());
                    node.put("action", record.action());
                    node.put("detail", record.detail());
                    node.put("previousHash", hex.formatHex(record.previousHash()));
                    node.put("hash", hex.formatHex(record.hash()));
                    try {
                        sink.write(node.toString());
                        sink.write('\n');
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot write the export: " + e.getMessage(), e);
                    }
                });
                sink.flush();
            }
            return 0;
        }
    }
}
