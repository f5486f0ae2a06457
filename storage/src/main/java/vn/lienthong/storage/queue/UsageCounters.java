package vn.lienthong.storage.queue;

import java.nio.ByteBuffer;
import vn.lienthong.storage.lmdb.BinaryReader;
import vn.lienthong.storage.lmdb.BinaryWriter;
import vn.lienthong.storage.lmdb.Database;
import vn.lienthong.storage.lmdb.Transaction;

/**
 * Per-tenant usage counters in the meta database, kept up to date by the writes that change them
 * (so that a quota check reads one record instead of scanning a queue). No record is no usage.
 */
final class UsageCounters {

    private UsageCounters() {
    }

    static ByteBuffer key(byte[] prefix, String tenant) {
        return new BinaryWriter().raw(prefix).text(tenant).toBuffer();
    }

    static TenantUsage read(Transaction tx, ByteBuffer key) {
        TenantUsage usage = tx.get(Database.META, key, v -> {
            BinaryReader reader = new BinaryReader(v);
            return new TenantUsage(reader.i64(), reader.i64());
        });
        return usage == null ? TenantUsage.NONE : usage;
    }

    static void write(Transaction tx, ByteBuffer key, TenantUsage usage) {
        if (usage.documents() <= 0) {
            tx.delete(Database.META, key);
        } else {
            tx.put(Database.META, key, new BinaryWriter(16).i64(usage.documents()).i64(Math.max(0, usage.bytes()))
                    .toByteArray());
        }
    }
}
