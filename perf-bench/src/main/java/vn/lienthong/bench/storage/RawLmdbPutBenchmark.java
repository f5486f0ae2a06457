package vn.lienthong.bench.storage;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.PutFlags;
import org.lmdbjava.Txn;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import vn.lienthong.storage.queue.MessageIds;

/**
 * The baseline: raw lmdbjava, one thread, default environment flags (every commit fsync'd), one
 * transaction of {@code putsPerTransaction} messages of {@code messageBytes} per operation; messages
 * per second are the score times {@code putsPerTransaction}. Layout {@code value}: one put per message
 * under a random 16-byte key (the baseline). Layout {@code append}: one put per message under
 * a 16-byte sequence number with LMDB's append flag (the cheapest a put can be: full pages, none
 * random). Layout {@code outbox}: what the store writes per message, with lmdbjava directly: a lookup
 * and a put of the message id (time-ordered, as the appliance makes them; referring to the record) in
 * one database, the record appended in a second in chunks cut to fill its leaf pages (as the store
 * cuts them), an empty entry in each of the two due indexes (by
 * time, and by tenant then time) and the tenant's usage counter, under keys of the store's lengths (a
 * new delivery's state is implied by its record, so there is none to put); it tells the writer's own
 * cost from the cost of the store's records.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
public class RawLmdbPutBenchmark {

    @Param({"1024", "4096"})
    public int messageBytes;

    /** 1 and 100 always; the report adds the store's median batch size. */
    @Param({"1", "100"})
    public int putsPerTransaction;

    @Param({"value", "append", "outbox"})
    public String layout;

    private Path directory;
    private Env<ByteBuffer> env;
    private Dbi<ByteBuffer> db;
    private Dbi<ByteBuffer> bodies;
    private Dbi<ByteBuffer> due;
    private Dbi<ByteBuffer> tenantDue;
    private Dbi<ByteBuffer> meta;
    private final ByteBuffer key = ByteBuffer.allocateDirect(16);
    /** Tenant and message id, as text with length prefixes: 4 + 13 + 4 + 36 bytes. */
    private final ByteBuffer messageKey = ByteBuffer.allocateDirect(57);
    /** The message key and the recipient. */
    private final ByteBuffer deliveryKey = ByteBuffer.allocateDirect(74);
    /** The due time (12 bytes) and the delivery key. */
    private final ByteBuffer dueKey = ByteBuffer.allocateDirect(86);
    /** The tenant (17 bytes), the due time, the message id and the recipient. */
    private final ByteBuffer tenantDueKey = ByteBuffer.allocateDirect(86);
    private final ByteBuffer empty = ByteBuffer.allocateDirect(0);
    /** A 4 KiB leaf page without its header, and the largest chunk LMDB keeps in a leaf page (see BodyChunks). */
    private static final int PAGE_PAYLOAD = 4096 - 16;
    private static final int MAX_CHUNK_BYTES = 2018;
    /** The record's sequence and chunk number, and the message id's value: a reference to it. */
    private final ByteBuffer bodyKey = ByteBuffer.allocateDirect(12);
    private final ByteBuffer reference = ByteBuffer.allocateDirect(17);
    /** The tenant's usage counter and its value (documents, bytes). */
    private final ByteBuffer usageKey = ByteBuffer.allocateDirect(29);
    private final ByteBuffer usage = ByteBuffer.allocateDirect(16);
    private ByteBuffer value;
    private ByteBuffer record;
    private long sequence;
    /** Bytes used in the last leaf page of the records' database: none yet, so the first chunk opens one. */
    private int lastPageUsed = PAGE_PAYLOAD;

    @Setup(Level.Trial)
    public void open() {
        directory = BenchDirectory.fresh("raw");
        env = Env.create().setMapSize(StorageEnqueueBenchmark.MAP_SIZE).setMaxDbs(5).open(directory.toFile());
        db = env.openDbi("bench", DbiFlags.MDB_CREATE);
        bodies = env.openDbi("bodies", DbiFlags.MDB_CREATE);
        meta = env.openDbi("meta", DbiFlags.MDB_CREATE);
        due = env.openDbi("due", DbiFlags.MDB_CREATE);
        tenantDue = env.openDbi("tenant-due", DbiFlags.MDB_CREATE);
        byte[] random = new byte[messageBytes];
        ThreadLocalRandom.current().nextBytes(random);
        value = ByteBuffer.allocateDirect(messageBytes).put(random).flip();
        // The store's record: version, accepted-at, recipients, then the envelope.
        record = ByteBuffer.allocateDirect(messageBytes + 38).put(new byte[38]).put(random).flip();
    }

    @TearDown(Level.Trial)
    public void close() {
        env.close();
        BenchDirectory.delete(directory);
    }

    @Benchmark
    public void commit() {
        boolean outbox = layout.equals("outbox");
        boolean append = layout.equals("append");
        try (Txn<ByteBuffer> txn = env.txnWrite()) {
            for (int i = 0; i < putsPerTransaction; i++) {
                if (outbox) {
                    putLikeTheOutbox(txn);
                } else if (append) {
                    key.clear();
                    key.putLong(0, 0).putLong(8, sequence++);
                    db.put(txn, key, value.duplicate(), PutFlags.MDB_APPEND);
                } else {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    key.clear();
                    key.putLong(0, random.nextLong()).putLong(8, random.nextLong());
                    db.put(txn, key, value.duplicate());
                }
            }
            txn.commit();
        }
    }

    /** What a chunk of {@code length} bytes takes in a leaf page: node header and 12-byte key, even, and a pointer. */
    private static int entryBytes(int length) {
        return ((8 + 12 + length + 1) & ~1) + 2;
    }

    private void putLikeTheOutbox(Txn<ByteBuffer> txn) {
        // Same tenant; the message id time-ordered, as the appliance makes them.
        UUID id = MessageIds.timeOrdered();
        messageKey.clear();
        messageKey.putLong(21, id.getMostSignificantBits()).putLong(29, id.getLeastSignificantBits());
        db.get(txn, messageKey);
        long now = sequence++;
        int length = record.remaining();
        int chunks = 0;
        for (int from = 0; from < length; chunks++) {
            // Cut to the room left in the last leaf page, as the store does (Outbox's BodyChunks); this
            // thread alone appends, from an empty database, so the count needs no checking here.
            int room = (PAGE_PAYLOAD - lastPageUsed - entryBytes(0)) & ~1;
            int chunkBytes = Math.min(length - from, room >= 64 ? Math.min(room, MAX_CHUNK_BYTES) : MAX_CHUNK_BYTES);
            bodyKey.clear();
            bodyKey.putLong(0, now).putInt(8, chunks);
            bodies.put(txn, bodyKey, record.duplicate().position(from).limit(from + chunkBytes), PutFlags.MDB_APPEND);
            int entry = entryBytes(chunkBytes);
            lastPageUsed = lastPageUsed + entry <= PAGE_PAYLOAD ? lastPageUsed + entry : entry;
            from += chunkBytes;
        }
        reference.clear();
        reference.putLong(1, now).putInt(9, chunks).putInt(13, length);
        db.put(txn, messageKey, reference);
        deliveryKey.clear();
        deliveryKey.put(messageKey.duplicate()).clear();
        // Due now: the time leads, so due entries are appended in order (one tenant: in both indexes).
        dueKey.clear();
        dueKey.putLong(0, now).put(12, deliveryKey.duplicate(), 0, 74);
        due.put(txn, dueKey, empty);
        tenantDueKey.clear();
        tenantDueKey.putLong(17, now).put(29, messageKey.duplicate(), 17, 40).put(69, deliveryKey.duplicate(), 57, 17);
        tenantDue.put(txn, tenantDueKey, empty);
        meta.get(txn, usageKey);
        usage.clear();
        usage.putLong(0, now).putLong(8, now * messageBytes);
        meta.put(txn, usageKey, usage);
    }
}
