package vn.lienthong.storage.queue;

import java.nio.ByteBuffer;
import vn.lienthong.storage.lmdb.BinaryWriter;
import vn.lienthong.storage.lmdb.Database;
import vn.lienthong.storage.lmdb.Transaction;

/**
 * Appends outgoing records to {@link Database#OUTBOX_BODIES} in chunks cut to fill its leaf pages.
 *
 * <p>LMDB gives a value of more than about half a page whole pages of its own (two 4 KiB pages for
 * a 4 KiB envelope), and appended entries of mixed sizes leave the end of a page empty wherever the
 * next entry does not fit. So the writer counts the room left in the last leaf page, as LMDB fills
 * it when appending, and cuts each chunk to the room left: a 4 KiB envelope takes about one page
 * instead of two. Only how full the pages are depends on that count: chunks append and read back
 * whatever it says. LMDB's count of leaf pages tells when a chunk opened a page, which sets it; it
 * is checked so once per group commit. Used on the writer thread only.
 */
final class BodyChunks {

    /** Key of a chunk: the record's sequence and the chunk's number. */
    private static final int KEY_BYTES = 12;
    /** LMDB's page header (PAGEHDRSZ), a leaf entry's node header (NODESIZE) and its pointer (indx_t). */
    private static final int PAGE_HEADER_BYTES = 16;
    private static final int NODE_HEADER_BYTES = 8;
    private static final int POINTER_BYTES = 2;
    /** A chunk smaller than this is not worth its key: the page is left as full. */
    private static final int MIN_CHUNK_BYTES = 64;
    private static final int UNKNOWN = -1;
    /** Marks, in a group commit's shared objects, that the count was checked in that group. */
    private static final String CHECKED = "outbox-body-chunks checked";

    private final int pagePayload;
    /** The largest chunk LMDB keeps in a leaf page (its me_nodemax: two entries to a page). */
    private final int maxChunkBytes;
    private int lastPageUsed = UNKNOWN;

    BodyChunks(int pageSize) {
        this.pagePayload = pageSize - PAGE_HEADER_BYTES;
        int maxNode = ((pagePayload / 2) & ~1) - POINTER_BYTES;
        this.maxChunkBytes = maxNode - NODE_HEADER_BYTES - KEY_BYTES;
    }

    static ByteBuffer key(long sequence, int chunk) {
        return new BinaryWriter(KEY_BYTES).i64(sequence).i32(chunk).toBuffer();
    }

    /**
     * Appends {@code record} under ({@code sequence}, 0), ({@code sequence}, 1) and so on; returns
     * the number of chunks, or 0, writing nothing, if {@code sequence} does not sort after every key.
     */
    int append(Transaction tx, long sequence, byte[] record) {
        // The count is checked against LMDB's (lmdbjava's stat costs as much as a put) while it is
        // unknown, and once per group commit: an aborted group, or another process, may have left the
        // last page other than counted.
        boolean[] checkedInGroup = tx.shared(CHECKED, () -> new boolean[1]);
        boolean check = lastPageUsed == UNKNOWN || !checkedInGroup[0];
        checkedInGroup[0] = true;
        long pages = check ? tx.leafPages(Database.OUTBOX_BODIES) : 0;
        int chunk = 0;
        int from = 0;
        do {
            // Even, so that the entry, which LMDB rounds up to an even size, still fits.
            int room = lastPageUsed == UNKNOWN ? 0 : (pagePayload - lastPageUsed - entryBytes(0)) & ~1;
            int length = Math.min(record.length - from, room >= MIN_CHUNK_BYTES ? Math.min(room, maxChunkBytes)
                    : maxChunkBytes);
            if (!tx.append(Database.OUTBOX_BODIES, key(sequence, chunk), record, from, length)) {
                if (chunk == 0) {
                    return 0; // another process appended meanwhile
                }
                // Nobody else writes within this transaction: chunk 0 went in, so must the rest.
                throw new IllegalStateException("The outbox's record " + sequence + " could not be appended whole.");
            }
            int entry = entryBytes(length);
            boolean opensPage = lastPageUsed == UNKNOWN || lastPageUsed + entry > pagePayload;
            if (check) {
                long pagesAfter = tx.leafPages(Database.OUTBOX_BODIES);
                boolean opened = pagesAfter > pages;
                // A page opened: known from here on. None opened where one should have: not known.
                lastPageUsed = opened ? entry : opensPage ? UNKNOWN : lastPageUsed + entry;
                check = lastPageUsed == UNKNOWN;
                pages = pagesAfter;
            } else {
                lastPageUsed = opensPage ? entry : lastPageUsed + entry;
            }
            from += length;
            chunk++;
        } while (from < record.length);
        return chunk;
    }

    /** What an entry of {@code length} bytes takes in a leaf page (node rounded up to even, and its pointer). */
    private static int entryBytes(int length) {
        int node = NODE_HEADER_BYTES + KEY_BYTES + length;
        return ((node + 1) & ~1) + POINTER_BYTES;
    }
}
