package vn.lienthong.storage.lmdb;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Supplier;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.GetOp;
import org.lmdbjava.PutFlags;
import org.lmdbjava.Txn;

/**
 * One LMDB transaction, read-only or part of a group commit. Buffers handed to a visitor point into
 * the map and are valid only during the call. Keys may be heap or direct buffers.
 */
public final class Transaction {

    /** LMDB's longest key (its default MDB_MAXKEYSIZE). */
    private static final int MAX_KEY_BYTES = 511;

    private final Txn<ByteBuffer> txn;
    private final EnumMap<Database, Dbi<ByteBuffer>> dbis;
    private final List<Runnable> afterCommit = new ArrayList<>();
    /** Made on first use by a transaction of its own (a read); the writer's group commits pass theirs. */
    private Shared shared;
    /**
     * Where a heap key is copied for LMDB, which reads keys only from direct memory. One buffer
     * reused for every key, since LMDB has read a key by the time a call returns: a direct buffer per
     * key (its allocation, and the cleaner's work after) was a fifth of an enqueue's CPU time.
     */
    private ByteBuffer keyBuffer;

    /**
     * What the writes of one group commit share besides the LMDB transaction: objects kept in
     * memory until just before the commit (see {@link #shared}).
     */
    static final class Shared {
        private final Map<String, Object> objects = new HashMap<>();
        private final List<Runnable> beforeCommit = new ArrayList<>();

        /** Runs the actions registered with {@link #beforeCommit}, in order, once. */
        void runBeforeCommit() {
            for (int i = 0; i < beforeCommit.size(); i++) { // an action may register another
                beforeCommit.get(i).run();
            }
            beforeCommit.clear();
        }
    }

    Transaction(Txn<ByteBuffer> txn, EnumMap<Database, Dbi<ByteBuffer>> dbis) {
        this(txn, dbis, null, null);
    }

    /**
     * {@code keyBuffer}: a direct buffer of at least 511 bytes that only this thread uses meanwhile
     * (or null); {@code shared}: what this write shares with the others of its group.
     */
    Transaction(Txn<ByteBuffer> txn, EnumMap<Database, Dbi<ByteBuffer>> dbis, ByteBuffer keyBuffer, Shared shared) {
        this.txn = txn;
        this.dbis = dbis;
        this.keyBuffer = keyBuffer;
        this.shared = shared;
    }

    /** A direct buffer that the writer thread reuses for every transaction's keys. */
    static ByteBuffer newKeyBuffer() {
        return ByteBuffer.allocateDirect(MAX_KEY_BYTES);
    }

    /** {@code key} itself if direct, else a copy in the key buffer, valid until the next call. */
    private ByteBuffer forLmdb(ByteBuffer key) {
        if (key.isDirect()) {
            return key;
        }
        if (key.remaining() > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("An LMDB key is at most " + MAX_KEY_BYTES + " bytes.");
        }
        if (keyBuffer == null) {
            keyBuffer = newKeyBuffer();
        }
        keyBuffer.clear();
        keyBuffer.put(key.duplicate()).flip();
        return keyBuffer;
    }

    /** A copy of the value under {@code key}, or null. */
    public byte[] get(Database db, ByteBuffer key) {
        return get(db, key, Transaction::copy);
    }

    /** Decodes the value under {@code key} in place (no copy of the whole value), or null if absent. */
    public <T> T get(Database db, ByteBuffer key, Function<ByteBuffer, T> decoder) {
        ByteBuffer value = dbis.get(db).get(txn, forLmdb(key));
        return value == null ? null : decoder.apply(value);
    }

    public boolean exists(Database db, ByteBuffer key) {
        return dbis.get(db).get(txn, forLmdb(key)) != null;
    }

    public void put(Database db, ByteBuffer key, byte[] value) {
        // MDB_RESERVE: write the value straight into the map instead of through a direct buffer.
        ByteBuffer reserved = dbis.get(db).reserve(txn, forLmdb(key), value.length);
        reserved.put(value);
    }

    /**
     * Puts {@code value} under {@code key} if the key sorts after every key of the database (LMDB's
     * append: the page split leaves full pages behind); false, writing nothing, if it does not.
     */
    public boolean append(Database db, ByteBuffer key, byte[] value) {
        return append(db, key, value, 0, value.length);
    }

    /** Like {@link #append(Database, ByteBuffer, byte[])}, with {@code length} bytes of {@code value} from {@code offset}. */
    public boolean append(Database db, ByteBuffer key, byte[] value, int offset, int length) {
        ByteBuffer reserved;
        try {
            reserved = dbis.get(db).reserve(txn, forLmdb(key), length, PutFlags.MDB_APPEND);
        } catch (Dbi.KeyExistsException e) {
            // LMDB checks the order before it changes anything: the transaction is still sound.
            return false;
        }
        reserved.put(value, offset, length);
        return true;
    }

    public boolean delete(Database db, ByteBuffer key) {
        return dbis.get(db).delete(txn, forLmdb(key));
    }

    /**
     * Visits, in key order, the records whose key starts with {@code prefix} (every record if the
     * prefix is empty) until the visitor returns false.
     */
    public void scan(Database db, ByteBuffer prefix, BiPredicate<ByteBuffer, ByteBuffer> visitor) {
        try (Cursor<ByteBuffer> cursor = dbis.get(db).openCursor(txn)) {
            boolean found = prefix.remaining() == 0 ? cursor.first() : cursor.get(forLmdb(prefix), GetOp.MDB_SET_RANGE);
            while (found) {
                ByteBuffer key = cursor.key();
                if (!startsWith(key, prefix) || !visitor.test(key, cursor.val())) {
                    return;
                }
                found = cursor.next();
            }
        }
    }

    /** Visits, in key order, the records from the first key at or after {@code start} until the visitor returns false. */
    public void scanFrom(Database db, ByteBuffer start, BiPredicate<ByteBuffer, ByteBuffer> visitor) {
        try (Cursor<ByteBuffer> cursor = dbis.get(db).openCursor(txn)) {
            boolean found = cursor.get(forLmdb(start), GetOp.MDB_SET_RANGE);
            while (found && visitor.test(cursor.key(), cursor.val())) {
                found = cursor.next();
            }
        }
    }

    /** A copy of the smallest key of the database, or null when it is empty. */
    public byte[] firstKey(Database db) {
        try (Cursor<ByteBuffer> cursor = dbis.get(db).openCursor(txn)) {
            return cursor.first() ? copy(cursor.key()) : null;
        }
    }

    /** Decodes the record with the largest key, or returns null when the database is empty. */
    public <T> T last(Database db, BiFunction<ByteBuffer, ByteBuffer, T> decoder) {
        try (Cursor<ByteBuffer> cursor = dbis.get(db).openCursor(txn)) {
            return cursor.last() ? decoder.apply(cursor.key(), cursor.val()) : null;
        }
    }

    /** Number of leaf pages of the database (kept by LMDB, no scan). */
    public long leafPages(Database db) {
        return dbis.get(db).stat(txn).leafPages;
    }

    /** Pages the database uses in this transaction's view: branch, leaf and overflow (kept by LMDB, no scan). */
    public long pages(Database db) {
        org.lmdbjava.Stat stat = dbis.get(db).stat(txn);
        return stat.branchPages + stat.leafPages + stat.overflowPages;
    }

    /** Number of records in the database (kept by LMDB, no scan). */
    public long count(Database db) {
        return dbis.get(db).stat(txn).entries;
    }

    /** Runs {@code action} once this transaction is committed; never if it is aborted. */
    public void afterCommit(Runnable action) {
        afterCommit.add(action);
    }

    /**
     * The object kept under {@code key} for the rest of the LMDB transaction, which the writes of a
     * group commit share: made by {@code make} on first use. With {@link #beforeCommit}, a value that
     * every write of a group changes (a counter) is read and written once per group, not per write.
     */
    @SuppressWarnings("unchecked")
    public <T> T shared(String key, Supplier<T> make) {
        Map<String, Object> objects = shared().objects;
        Object object = objects.get(key);
        if (object == null) {
            object = make.get(); // not computeIfAbsent: make may use this transaction's shared objects too
            objects.put(key, object);
        }
        return (T) object;
    }

    /**
     * Runs {@code action} just before the LMDB transaction commits, after every write of its group
     * (in a write; a read transaction is never committed).
     */
    public void beforeCommit(Runnable action) {
        shared().beforeCommit.add(action);
    }

    private Shared shared() {
        if (shared == null) {
            shared = new Shared();
        }
        return shared;
    }

    List<Runnable> afterCommitActions() {
        return afterCommit;
    }

    /** A direct buffer holding {@code bytes}, for use as a key. */
    public static ByteBuffer direct(byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length);
        buffer.put(bytes).flip();
        return buffer;
    }

    public static byte[] copy(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    static boolean startsWith(ByteBuffer key, ByteBuffer prefix) {
        int length = prefix.remaining();
        return key.remaining() >= length
                && key.slice(key.position(), length).mismatch(prefix.duplicate()) == -1;
    }
}
