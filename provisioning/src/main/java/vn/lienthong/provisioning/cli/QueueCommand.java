package vn.lienthong.provisioning.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import vn.lienthong.storage.queue.DeadLetter;
import vn.lienthong.storage.queue.Outbox;

/**
 * {@code provision queue}: the outbox's dead letters (deliveries the forwarder gave up on). Works
 * while the service runs: the store is shared, and a requeued delivery is sent within a second.
 */
@Command(name = "queue", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
        description = "List the outbox's dead letters and put them back in the retry schedule.",
        subcommands = {QueueCommand.Dead.class, QueueCommand.Requeue.class})
final class QueueCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw Subcommands.missing(spec);
    }

    @Command(name = "dead", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
            description = "List dead-lettered deliveries: tenant, message id, recipient, attempts, when and why.")
    static final class Dead extends ProvisioningAction {

        @Option(names = "--limit", defaultValue = "1000", paramLabel = "N",
                description = "List at most N dead letters (default: ${DEFAULT-VALUE}).")
        int limit;

        @Override
        void run(ProvisioningEnvironment environment, PrintWriter out) {
            if (limit <= 0) {
                throw new Refusal("--limit must be a positive number");
            }
            List<DeadLetter> letters = environment.storage().outbox().deadLetters(limit);
            if (letters.isEmpty()) {
                out.println("no dead letters");
                return;
            }
            Table table = new Table("TENANT", "MESSAGE", "RECIPIENT", "ATTEMPTS", "FAILED AT", "REASON");
            for (DeadLetter letter : letters) {
                table.add(letter.tenant(), letter.messageId(), letter.recipient(), Integer.toString(letter.attempts()),
                        letter.failedAt() == null ? "-" : letter.failedAt().toString(),
                        letter.reason() == null ? "-" : letter.reason().replaceAll("\\s+", " "));
            }
            table.print(out);
        }
    }

    @Command(name = "requeue", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
            description = "Put dead-lettered deliveries back in the retry schedule, due now, attempts counted afresh:"
                    + " one message's (optionally one recipient's), or --all.")
    static final class Requeue extends ProvisioningAction {

        static final class Which {
            @Option(names = "--all", required = true, description = "Requeue every dead letter of every tenant.")
            boolean all;

            @ArgGroup(exclusive = false)
            One one;
        }

        static final class One {
            @Parameters(index = "0", paramLabel = "TENANT", description = "The sending tenant's organ id.")
            String tenant;

            @Parameters(index = "1", paramLabel = "MESSAGE_ID", description = "The message's id.")
            String messageId;

            @Parameters(index = "2", arity = "0..1", paramLabel = "RECIPIENT",
                    description = "Only this recipient's delivery (default: every failed one of the message).")
            String recipient;
        }

        @ArgGroup(exclusive = true, multiplicity = "1")
        Which which;

        @Override
        void run(ProvisioningEnvironment environment, PrintWriter out) {
            Outbox outbox = environment.storage().outbox();
            Instant now = Instant.now();
            if (which.all) {
                out.println("requeued " + outbox.requeueAll(now) + " dead letters");
                return;
            }
            One one = which.one;
            int requeued = outbox.requeue(one.tenant, one.messageId, one.recipient, now);
            if (requeued == 0) {
                throw new Refusal("message " + one.messageId + " of tenant " + one.tenant + " has no dead-lettered"
                        + " delivery" + (one.recipient == null ? "" : " to " + one.recipient)
                        + "; 'provision queue dead' lists them");
            }
            out.println("requeued " + requeued + " deliveries of " + one.messageId);
        }
    }
}
