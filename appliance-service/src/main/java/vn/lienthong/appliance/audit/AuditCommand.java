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
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import vn.lienthong.appliance.config.ApplianceConfig;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.storage.Storage;
import vn.lienthong.storage.audit.AuditCheckpoint;
import vn.lienthong.storage.audit.AuditVerification;

/**
 * {@code lienthong audit}: check and export the appliance's hash-chained audit log (operator
 * actions, key usage, refusals) and its signed checkpoints. Works while the service runs: the
 * store is shared.
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Check the audit log's hash chain and signed checkpoints, or export the log or a checkpoint.",
        subcommands = {AuditCommand.Verify.class, AuditCommand.Export.class, AuditCommand.Checkpoint.class})
public final class AuditCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand: give one of verify, export, checkpoint");
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
            description = "Walk the audit log's hash chain from the first record and check every signed checkpoint"
                    + " (its signature, and that the log still reaches the record it signed with the same hash);"
                    + " name the first thing that does not fit (exit 1) or say how much is intact (exit 0).")
    static final class Verify extends WithStore {
        @Option(names = "--checkpoint", paramLabel = "FILE",
                description = "Also prove the log still extends this checkpoint, kept off the appliance"
                        + " (from 'audit checkpoint export').")
        Path checkpoint;

        @Override
        public Integer call() {
            AuditCheckpoint kept = checkpoint == null ? null : CheckpointFile.read(checkpoint);
            try (Storage storage = open()) {
                AuditVerification result = storage.audit().verify();
                if (!result.intact()) {
                    throw new IllegalStateException("audit record " + result.firstBadSequence().getAsLong()
                            + " does not fit: " + result.problem() + "; the " + result.verified()
                            + " records before it are intact");
                }
                List<X509Certificate> anchors = new ApplianceRegistry(storage.registry()).trustAnchors();
                if (kept != null) {
                    CheckpointCheck.problem(kept, storage.audit(), anchors).ifPresent(problem -> {
                        throw new IllegalStateException("the audit log does not extend the checkpoint in " + checkpoint
                                + ": " + problem);
                    });
                }
                List<AuditCheckpoint> checkpoints = storage.auditCheckpoints().all();
                for (AuditCheckpoint stored : checkpoints) {
                    CheckpointCheck.problem(stored, storage.audit(), anchors).ifPresent(problem -> {
                        throw new IllegalStateException(problem);
                    });
                }
                PrintWriter out = spec.commandLine().getOut();
                out.println("audit log intact: " + result.verified() + " records");
                if (checkpoints.isEmpty()) {
                    out.println("no signed checkpoint yet (the service signs the head within a minute of a new record)");
                } else {
                    AuditCheckpoint latest = checkpoints.getLast();
                    X509Certificate signer = CheckpointCheck.signer(latest, anchors);
                    out.println(checkpoints.size() + " signed checkpoints verified; the latest signs record "
                            + latest.sequence() + " at " + latest.at() + " (signer "
                            + signer.getSubjectX500Principal().getName() + ", SHA-256 " + Pem.sha256Fingerprint(signer)
                            + "); " + (result.verified() - latest.sequence()) + " records after it are not yet signed");
                }
                if (kept != null) {
                    out.println("the log extends the checkpoint in " + checkpoint + " (record " + kept.sequence()
                            + ", " + kept.at() + ")");
                }
                out.flush();
            }
            return 0;
        }
    }

    /** {@code audit checkpoint}: the signed checkpoints of the log's head. */
    @Command(name = "checkpoint", mixinStandardHelpOptions = true,
            description = "The signed checkpoints of the audit log's head.",
            subcommands = {CheckpointExport.class})
    static final class Checkpoint implements Runnable {
        @Spec
        CommandSpec spec;

        @Override
        public void run() {
            throw new ParameterException(spec.commandLine(), "Missing subcommand: give export");
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write the latest signed checkpoint (sequence, head hash, time and the CMS signature as PEM)"
                    + " to keep off the appliance; 'audit verify --checkpoint FILE' later proves the log still extends"
                    + " it, and 'openssl cms -verify' checks its signature (see README).")
    static final class CheckpointExport extends WithStore {
        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write to FILE instead of stdout.")
        Path output;

        @Override
        public Integer call() throws IOException {
            AuditCheckpoint latest;
            try (Storage storage = open()) {
                latest = storage.auditCheckpoints().latest().orElseThrow(() -> new IllegalStateException(
                        "the audit log has no signed checkpoint yet: the running service signs its head within a"
                                + " minute of a new record"));
            }
            String text = CheckpointFile.format(latest);
            if (output == null) {
                spec.commandLine().getOut().print(text);
                spec.commandLine().getOut().flush();
            } else {
                Files.writeString(output, text, StandardCharsets.US_ASCII);
                spec.commandLine().getOut().println("checkpoint of record " + latest.sequence() + " (" + latest.at()
                        + ") written to " + output);
                spec.commandLine().getOut().flush();
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
