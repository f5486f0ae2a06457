package vn.lienthong.appliance.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import vn.lienthong.appliance.config.ApplianceConfig;
import vn.lienthong.storage.Storage;
import vn.lienthong.storage.audit.AuditEvent;

/** {@code lienthong storage}: look after the appliance's LMDB store. */
@Command(name = "storage", mixinStandardHelpOptions = true,
        description = "Back up the appliance's store while it runs.",
        subcommands = StorageCommand.Backup.class)
public final class StorageCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand: give backup");
    }

    @Command(name = "backup", mixinStandardHelpOptions = true,
            description = "Write a compacted, consistent copy of the store (LMDB copy with compaction) into DIR, which"
                    + " must be new or empty; the service may keep running. See README.md for restoring it.")
    static final class Backup implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "A new or empty directory for the copy.")
        Path target;

        @Option(names = "--config", paramLabel = "FILE", defaultValue = "${env:LIENTHONG_CONFIG:-config.yaml}",
                description = "The appliance's configuration file (default: $LIENTHONG_CONFIG, else ./config.yaml).")
        Path config;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            ApplianceConfig loaded = ApplianceConfig.load(config);
            try (Storage storage = Storage.open(loaded.storagePath(), loaded.storageMapSizeBytes())) {
                // Recorded first, so that the copy carries the record of its own making.
                storage.audit().append(new AuditEvent(Instant.now(), Operator.name(), "storage backup",
                        target.toAbsolutePath().toString()));
                storage.backup(target);
                PrintWriter out = spec.commandLine().getOut();
                out.println("backup of " + loaded.storagePath() + " written to " + target.resolve("data.mdb"));
                out.flush();
            }
            return 0;
        }
    }
}
