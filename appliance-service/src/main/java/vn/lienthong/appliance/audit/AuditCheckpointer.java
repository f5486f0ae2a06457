package vn.lienthong.appliance.audit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.UnaryOperator;
import vn.lienthong.storage.audit.AuditCheckpoint;
import vn.lienthong.storage.audit.AuditCheckpoints;
import vn.lienthong.storage.audit.AuditLog;
import vn.lienthong.storage.audit.AuditRecord;

/**
 * Signs the audit chain's head with the appliance's HSM key and stores the signature as a
 * checkpoint, every {@value #EVERY_RECORDS} records and at least once a {@link #EVERY minute} while
 * records are appended (an unchanged head is not signed again). A log cut short or recomputed after
 * a checkpoint no longer reaches the head it signed, which {@code lienthong audit verify} reports.
 * The service runs it on a platform thread: the signature blocks in PKCS#11.
 */
public final class AuditCheckpointer {

    /** Records appended after which the head is signed, whatever the time. */
    public static final long EVERY_RECORDS = 1000;
    /** The longest time a new record waits for a checkpoint. */
    public static final Duration EVERY = Duration.ofMinutes(1);
    private static final System.Logger LOG = System.getLogger(AuditCheckpointer.class.getName());

    private final AuditLog log;
    private final AuditCheckpoints checkpoints;
    private final UnaryOperator<byte[]> signer;
    private final Clock clock;

    /** @param signer makes a detached CMS signature (DER) over the bytes it is given */
    public AuditCheckpointer(AuditLog log, AuditCheckpoints checkpoints, UnaryOperator<byte[]> signer, Clock clock) {
        this.log = log;
        this.checkpoints = checkpoints;
        this.signer = signer;
        this.clock = clock;
    }

    /**
     * Checkpoints the head when {@value #EVERY_RECORDS} records came after the last checkpoint, or
     * any did and the last is a minute old (or there is none). Failures are logged, never thrown: the
     * next run tries again.
     */
    public void checkpointIfDue() {
        try {
            Optional<AuditRecord> head = log.head();
            if (head.isEmpty()) {
                return;
            }
            Optional<AuditCheckpoint> last = checkpoints.latest();
            long after = head.get().sequence() - last.map(AuditCheckpoint::sequence).orElse(0L);
            Instant now = clock.instant();
            if (after >= EVERY_RECORDS
                    || after > 0 && (last.isEmpty() || !now.isBefore(last.get().at().plus(EVERY)))) {
                sign(head.get(), now);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the audit log's head was not checkpointed: " + e.getMessage());
        }
    }

    /** Checkpoints the head now unless the latest checkpoint signed it already (on close); returns the latest. */
    public Optional<AuditCheckpoint> checkpoint() {
        Optional<AuditRecord> head = log.head();
        Optional<AuditCheckpoint> last = checkpoints.latest();
        if (head.isPresent() && (last.isEmpty() || last.get().sequence() < head.get().sequence())) {
            return Optional.of(sign(head.get(), clock.instant()));
        }
        return last;
    }

    private AuditCheckpoint sign(AuditRecord head, Instant now) {
        byte[] content = AuditCheckpoint.signedContent(head.hash());
        AuditCheckpoint checkpoint = new AuditCheckpoint(head.sequence(), head.hash(), now, signer.apply(content));
        checkpoints.add(checkpoint);
        return checkpoint;
    }
}
