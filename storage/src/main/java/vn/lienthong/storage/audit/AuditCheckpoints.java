package vn.lienthong.storage.audit;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import vn.lienthong.storage.lmdb.BinaryReader;
import vn.lienthong.storage.lmdb.BinaryWriter;
import vn.lienthong.storage.lmdb.Database;
import vn.lienthong.storage.lmdb.LmdbEnvironment;

/**
 * The signed checkpoints of the audit chain, by the sequence of the record they sign. The storage
 * module keeps and hands them out; making and checking their signatures is the service's (it holds
 * the HSM and the trust anchors).
 */
public final class AuditCheckpoints {

    private static final int RECORD_VERSION = 1;
    private static final ByteBuffer EMPTY_PREFIX = ByteBuffer.allocateDirect(0);

    private final LmdbEnvironment environment;

    /** Made by {@code Storage}; use {@code Storage.auditCheckpoints()}. */
    public AuditCheckpoints(LmdbEnvironment environment) {
        this.environment = Objects.requireNonNull(environment);
    }

    /** Stores the checkpoint durably (a second checkpoint of the same record replaces the first). */
    public void add(AuditCheckpoint checkpoint) {
        byte[] value = new BinaryWriter(128 + checkpoint.signature().length).u8(RECORD_VERSION)
                .i64(checkpoint.sequence())
                .bytes(checkpoint.headHash())
                .instant(checkpoint.at())
                .bytes(checkpoint.signature())
                .toByteArray();
        environment.write(value.length + 64L, tx -> {
            tx.put(Database.AUDIT_CHECKPOINTS, key(checkpoint.sequence()), value);
            return null;
        });
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
