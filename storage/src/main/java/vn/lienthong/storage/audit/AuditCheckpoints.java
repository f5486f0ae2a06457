package vn.lienthong.storage.audit;

import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import vn.lienthong.storage.lmdb.BinaryReader;
import vn.lienthong.storage.lmdb.BinaryWriter;
import vn.lienthong.storage.lmdb.Database;
import vn.lienthong.storage.lmdb.LmdbEnvironment;
import vn.lienthong.storage.lmdb.Transaction;

/**
 * The signed checkpoints of the audit chain, by the sequence of the record they sign: the latest
 * {@value #RECENT} and the first of each day before them. The storage
 * module keeps and hands them out; making and checking their signatures is the service's (it holds
 * the HSM and the trust anchors).
 */
public final class AuditCheckpoints {

    private static final int RECORD_VERSION = 1;
    private static final ByteBuffer EMPTY_PREFIX = ByteBuffer.allocateDirect(0);
    /** Checkpoints kept whatever their day: a day of one a minute. */
    static final int RECENT = 1440;

    private final LmdbEnvironment environment;
    private final int recent;

    /** Made by {@code Storage}; use {@code Storage.auditCheckpoints()}. */
    public AuditCheckpoints(LmdbEnvironment environment) {
        this(environment, RECENT);
    }

    /** @param recent checkpoints kept whatever their day (tests keep fewer) */
    AuditCheckpoints(LmdbEnvironment environment, int recent) {
        this.environment = Objects.requireNonNull(environment);
        this.recent = recent;
    }

    /**
     * Stores the checkpoint durably (a second checkpoint of the same record replaces the first); of
     * those older than the latest {@value #RECENT}, only the first of each UTC day is kept.
     */
    public void add(AuditCheckpoint checkpoint) {
        byte[] value = new BinaryWriter(128 + checkpoint.signature().length).u8(RECORD_VERSION)
                .i64(checkpoint.sequence())
                .bytes(checkpoint.headHash())
                .instant(checkpoint.at())
                .bytes(checkpoint.signature())
                .toByteArray();
        environment.write(value.length + 64L, tx -> {
            tx.put(Database.AUDIT_CHECKPOINTS, key(checkpoint.sequence()), value);
            thinOut(tx);
            return null;
        });
    }

    /**
     * Keeps the latest {@value #RECENT} checkpoints and, before them, the first of each UTC day: a
     * later checkpoint covers everything an earlier one did, and one a minute would otherwise grow
     * the store by megabytes a day.
     */
    private void thinOut(Transaction tx) {
        long older = tx.count(Database.AUDIT_CHECKPOINTS) - recent;
        if (older <= 0) {
            return;
        }
        List<ByteBuffer> redundant = new ArrayList<>();
        long[] seen = {0};
        LocalDate[] keptDay = {null};
        tx.scan(Database.AUDIT_CHECKPOINTS, EMPTY_PREFIX, (key, value) -> {
            LocalDate day = LocalDate.ofInstant(decode(value).at(), ZoneOffset.UTC);
            if (day.equals(keptDay[0])) {
                redundant.add(Transaction.direct(Transaction.copy(key)));
            } else {
                keptDay[0] = day;
            }
            return ++seen[0] < older;
        });
        redundant.forEach(key -> tx.delete(Database.AUDIT_CHECKPOINTS, key));
    }

    /** The checkpoint of the highest sequence, if any. */
    public Optional<AuditCheckpoint> latest() {
        return Optional.ofNullable(environment.read(tx -> tx.last(Database.AUDIT_CHECKPOINTS,
                (key, value) -> decode(value))));
    }

    /** Every checkpoint, oldest first. */
    public List<AuditCheckpoint> all() {
        return environment.read(tx -> {
            List<AuditCheckpoint> all = new ArrayList<>();
            tx.scan(Database.AUDIT_CHECKPOINTS, EMPTY_PREFIX, (key, value) -> all.add(decode(value)));
            return all;
        });
    }

    private static ByteBuffer key(long sequence) {
        return new BinaryWriter(8).i64(sequence).toBuffer();
    }

    private static AuditCheckpoint decode(ByteBuffer value) {
        BinaryReader reader = new BinaryReader(value).expectVersion(RECORD_VERSION);
        return new AuditCheckpoint(reader.i64(), reader.bytes(), reader.instant(), reader.bytes());
    }
}
