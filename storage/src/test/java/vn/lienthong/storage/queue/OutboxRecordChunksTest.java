package vn.lienthong.storage.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmdbjava.Dbi;
import org.lmdbjava.Env;
import org.lmdbjava.Stat;
import org.lmdbjava.Txn;
import vn.lienthong.storage.Storage;

/** An outgoing message's record is kept in chunks that fill leaf pages, and read back whole. */
class OutboxRecordChunksTest {

    private static final long MAP_SIZE = 256L * 1024 * 1024;
    private static final Instant T0 = Instant.parse("2026-11-27T01:00:00Z");

    @TempDir
    Path directory;

    @Test
    void aRecordOfAnySizeIsReadBackExactlyAndNoneTakesPagesOfItsOwn() {
        int[] counter = {0};
        try (Storage storage = Storage.open(directory, MAP_SIZE)) {
            // From empty to about three 4 KiB pages: records of one chunk, of several, cut wherever a page ends.
            qt().withExamples(300).forAll(integers().between(0, 12_000), integers().between(1, 3))
                    .checkAssert((envelopeBytes, recipientCount) -> {
                        String id = "m" + counter[0]++;
                        byte[] envelope = new byte[envelopeBytes];
                        new Random(envelopeBytes).nextBytes(envelope);
                        List<String> recipients = new ArrayList<>();
                        for (int i = 0; i < recipientCount; i++) {
                            recipients.add("000.00.0" + i + ".H29");
                        }
                        storage.outbox().put(new OutboxMessage("t", id, recipients, envelope, T0));
                        OutboxEntry stored = storage.outbox().get("t", id).orElseThrow();
                        assertArrayEquals(envelope, stored.envelope(), id + ": " + envelopeBytes + " bytes");
                        assertEquals(recipients, stored.deliveries().stream().map(Delivery::recipient).toList());
                    });
            assertEquals(List.of(), storage.checkIntegrity());
        }
        Stat stat = bodiesStat();
        assertEquals(0, stat.overflowPages, "every chunk fits in a leaf page: " + stat);
        assertTrue(stat.entries > counter[0], "records over a chunk's size are split: " + stat);
    }

    @Test
    void chunksFillTheirPages() throws Exception {
        int records = 300;
        int envelopeBytes = 4096;
        try (Storage storage = Storage.open(directory, MAP_SIZE);
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> puts = new ArrayList<>();
            for (int i = 0; i < records; i++) {
                byte[] envelope = new byte[envelopeBytes];
                new Random(i).nextBytes(envelope);
                OutboxMessage message = new OutboxMessage("t", "m" + i, List.of("000.00.01.H29"), envelope, T0);
                puts.add(pool.submit(() -> storage.outbox().put(message))); // in group commits of many
            }
            for (Future<?> put : puts) {
                put.get();
            }
            assertEquals(List.of(), storage.checkIntegrity());
        }
        Stat stat = bodiesStat();
        assertEquals(0, stat.overflowPages, stat.toString());
        // A record is its envelope and about 50 bytes; each chunk adds 22 in the page. Whole, a record
        // took two pages; in chunks of a quarter page, a quarter more than the bytes.
        double pagesOfBytes = records * (envelopeBytes + 50 + 3 * 22) / (double) (stat.pageSize - 16);
        assertTrue(stat.leafPages <= Math.ceil(pagesOfBytes * 1.03), stat.leafPages + " leaf pages for "
                + pagesOfBytes + " pages of records: " + stat);
    }

    private Stat bodiesStat() {
        try (Env<ByteBuffer> env = Env.create().setMapSize(MAP_SIZE).setMaxDbs(32).open(directory.toFile())) {
            Dbi<ByteBuffer> bodies = env.openDbi("outbox-bodies");
            try (Txn<ByteBuffer> txn = env.txnRead()) {
                return bodies.stat(txn);
            }
        }
    }
}
