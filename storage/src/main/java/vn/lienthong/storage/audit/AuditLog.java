package vn.lienthong.storage.audit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.Consumer;
import vn.lienthong.storage.lmdb.BinaryReader;
import vn.lienthong.storage.lmdb.BinaryWriter;
import vn.lienthong.storage.lmdb.Database;
import vn.lienthong.storage.lmdb.LmdbEnvironment;
import vn.lienthong.storage.lmdb.Transaction;

/**
 * The append-only, hash-chained audit log: each record holds the SHA-256 of the one before, so a
 * record changed, removed or inserted afterwards breaks the chain at that point. Appends from the
 * service and from the operator's CLI (another process) go through LMDB's one writer at a time, so
 * the chain never forks.
 */
public final class AuditLog {

    private static final int RECORD_VERSION = 1;
    private static final int HASH_BYTES = 32;
    private static final byte[] GENESIS = new byte[HASH_BYTES];
    private static final byte[] DOMAIN = "lienthong audit record v1".getBytes(StandardCharsets.US_ASCII);
    private static final ByteBuffer EMPTY_PREFIX = ByteBuffer.allocateDirect(0);
    /** Keeps an operator's long argument list from bloating the log. */
    private static final int MAX_DETAIL_CHARS = 4000;

    private final LmdbEnvironment environment;

    /** Made by {@code Storage}; use {@code Storage.audit()}. */
    public AuditLog(LmdbEnvironment environment) {
        this.environment = Objects.requireNonNull(environment);
    }

    /** Appends one record durably and returns it. */
    public AuditRecord append(AuditEvent event) {
        return appendAll(List.of(event)).getFirst();
    }

    /** Appends the events in order, in one transaction, and returns their records. */
    public List<AuditRecord> appendAll(List<AuditEvent> events) {
        if (events.isEmpty()) {
            return List.of();
        }
        List<AuditEvent> copy = List.copyOf(events);
        long size = copy.stream().mapToLong(e -> e.detail().length() * 3L + 256).sum();
        return environment.write(size, tx -> {
            AuditRecord last = tx.last(Database.AUDIT, (key, value) -> decode(value));
            long sequence = last == null ? 0 : last.sequence();
            byte[] previous = last == null ? GENESIS : last.hash();
            List<AuditRecord> written = new java.util.ArrayList<>(copy.size());
            for (AuditEvent event : copy) {
                sequence++;
                String detail = event.detail().length() <= MAX_DETAIL_CHARS ? event.detail()
                        : event.detail().substring(0, MAX_DETAIL_CHARS) + "…";
                byte[] hash = hash(sequence, event.at(), event.actor(), event.action(), detail, previous);
                AuditRecord record = new AuditRecord(sequence, event.at(), event.actor(), event.action(), detail,
                        previous, hash);
                tx.put(Database.AUDIT, key(sequence), encode(record));
                written.add(record);
                previous = hash;
            }
            return written;
        });
    }

    /** The last record, the chain's head; empty while the log is empty. */
    public java.util.Optional<AuditRecord> head() {
        return java.util.Optional.ofNullable(environment.read(tx -> tx.last(Database.AUDIT, (key, value) -> decode(value))));
    }

    /** The record numbered {@code sequence}, if the log holds it. */
    public java.util.Optional<AuditRecord> record(long sequence) {
        return java.util.Optional.ofNullable(environment.read(tx -> tx.get(Database.AUDIT, key(sequence),
                AuditLog::decode)));
    }

    /** Number of records. */
    public long size() {
        return environment.read(tx -> tx.count(Database.AUDIT));
    }

    /**
     * Walks the chain from the first record and stops at the first that does not fit: a gap in the
     * numbering, a record that cannot be read, a previous-hash that is not the hash of the record
     * before, or a hash that is not the record's own.
     */
    public AuditVerification verify() {
        return environment.read(tx -> {
            long[] verified = {0};
            long[] expectedSequence = {1};
            byte[][] previous = {GENESIS};
            String[] problem = {null};
            long[] bad = {-1};
            tx.scan(Database.AUDIT, EMPTY_PREFIX, (key, value) -> {
                long sequence = new BinaryReader(key).i64();
                AuditRecord record;
                try {
                    record = decode(value);
                } catch (RuntimeException e) {
                    bad[0] = sequence;
                    problem[0] = "it cannot be read (" + e.getMessage() + ")";
                    return false;
                }
                if (sequence != expectedSequence[0] || record.sequence() != sequence) {
                    bad[0] = sequence;
                    problem[0] = "record " + expectedSequence[0] + " was expected here: records are missing";
                } else if (!Arrays.equals(record.previousHash(), previous[0])) {
                    bad[0] = sequence;
                    problem[0] = "it does not hold the hash of record " + (sequence - 1)
                            + " (a record before it was changed, removed or inserted)";
                } else if (!Arrays.equals(record.hash(), hash(record.sequence(), record.at(), record.actor(),
                        record.action(), record.detail(), record.previousHash()))) {
                    bad[0] = sequence;
                    problem[0] = "its content does not match its hash (it was changed)";
                }
                if (bad[0] >= 0) {
                    return false;
                }
                verified[0]++;
                expectedSequence[0]++;
                previous[0] = record.hash();
                return true;
            });
            return bad[0] < 0 ? new AuditVerification(verified[0], OptionalLong.empty(), null)
                    : new AuditVerification(verified[0], OptionalLong.of(bad[0]), problem[0]);
        });
    }

    /** Hands every record, oldest first, to {@code sink}. */
    public void forEach(Consumer<AuditRecord> sink) {
        long[] next = {1};
        // Pages of records, so that a slow sink does not hold one read transaction open for long.
        for (;;) {
            List<AuditRecord> page = environment.read(tx -> {
                List<AuditRecord> records = new java.util.ArrayList<>();
                tx.scanFrom(Database.AUDIT, key(next[0]), (key, value) -> {
                    records.add(decode(value));
                    return records.size() < 1000;
                });
                return records;
            });
            if (page.isEmpty()) {
                return;
            }
            page.forEach(sink);
            next[0] = page.getLast().sequence() + 1;
        }
    }

    static byte[] hash(long sequence, java.time.Instant at, String actor, String action, String detail,
                       byte[] previous) {
        byte[] content = new BinaryWriter(128 + detail.length() * 3).raw(DOMAIN).i64(sequence).instant(at)
                .text(actor).text(action).text(detail).raw(previous).toByteArray();
        try {
            return MessageDigest.getInstance("SHA-256").digest(content);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static ByteBuffer key(long sequence) {
        return new BinaryWriter(8).i64(sequence).toBuffer();
    }

    private static byte[] encode(AuditRecord record) {
        return new BinaryWriter(160 + record.detail().length() * 3).u8(RECORD_VERSION)
                .i64(record.sequence())
                .instant(record.at())
                .text(record.actor())
                .text(record.action())
                .text(record.detail())
                .bytes(record.previousHash())
                .bytes(record.hash())
                .toByteArray();
    }

    private static AuditRecord decode(ByteBuffer value) {
        BinaryReader reader = new BinaryReader(value).expectVersion(RECORD_VERSION);
        return new AuditRecord(reader.i64(), reader.instant(), reader.text(), reader.text(), reader.text(),
                reader.bytes(), reader.bytes());
    }
}
