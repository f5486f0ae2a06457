package vn.lienthong.storage.registry;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import vn.lienthong.storage.lmdb.Database;
import vn.lienthong.storage.lmdb.LmdbEnvironment;
import vn.lienthong.storage.lmdb.Transaction;

/**
 * Small durable records by kind and key (tenants, trust anchors, directory entries), shared with
 * the operator CLI through the same environment: a write is visible to every process at once.
 */
public final class Registry {

    /** LMDB's key limit is 511 bytes; the kind, a separator and the key share it. */
    private static final int MAX_KEY_BYTES = 511;

    private final LmdbEnvironment environment;

    /** Made by {@code Storage}; use {@code Storage.registry()}. */
    public Registry(LmdbEnvironment environment) {
        this.environment = Objects.requireNonNull(environment);
    }

    public void put(String kind, String key, byte[] value) {
        ByteBuffer recordKey = recordKey(kind, key);
        byte[] copy = Objects.requireNonNull(value, "value").clone();
        environment.write(copy.length + 64L, tx -> {
            tx.put(Database.REGISTRY, recordKey, copy);
            return null;
        });
    }

    public Optional<byte[]> get(String kind, String key) {
        ByteBuffer recordKey = recordKey(kind, key);
        return environment.read(tx -> Optional.ofNullable(tx.get(Database.REGISTRY, recordKey)));
    }

    /** Every record of a kind, by key. */
    public SortedMap<String, byte[]> list(String kind) {
        ByteBuffer prefix = kindPrefix(kind);
        int prefixLength = prefix.remaining();
        return environment.read(tx -> {
            SortedMap<String, byte[]> records = new TreeMap<>();
            tx.scan(Database.REGISTRY, prefix, (key, value) -> {
                String name = StandardCharsets.UTF_8.decode(key.slice(key.position() + prefixLength,
                        key.remaining() - prefixLength)).toString();
                records.put(name, Transaction.copy(value));
                return true;
            });
            return records;
        });
    }

    /**
     * At most {@code limit} records of a kind, by key, from the first key after {@code after} (null:
     * from the first): one page of a kind that grows without end.
     */
    public SortedMap<String, byte[]> list(String kind, String after, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("The limit must be positive, not " + limit + ".");
        }
        ByteBuffer prefix = kindPrefix(kind);
        int prefixLength = prefix.remaining();
        ByteBuffer start = after == null ? prefix : recordKey(kind, after);
        return environment.read(tx -> {
            SortedMap<String, byte[]> records = new TreeMap<>();
            tx.scanFrom(Database.REGISTRY, start, (key, value) -> {
                if (key.remaining() < prefixLength
                        || key.slice(key.position(), prefixLength).mismatch(prefix.duplicate()) != -1) {
                    return false; // past the kind
                }
                String name = StandardCharsets.UTF_8.decode(key.slice(key.position() + prefixLength,
                        key.remaining() - prefixLength)).toString();
                if (!name.equals(after)) {
                    records.put(name, Transaction.copy(value));
                }
                return records.size() < limit;
            });
            return records;
        });
    }

    /** Replaces every record of a kind with these, in one transaction (e.g. a new routing directory). */
    public void replaceAll(String kind, Map<String, byte[]> records) {
        ByteBuffer prefix = kindPrefix(kind);
        List<ByteBuffer> keys = new ArrayList<>(records.size());
        List<byte[]> values = new ArrayList<>(records.size());
        long size = 0;
        for (Map.Entry<String, byte[]> record : records.entrySet()) {
            keys.add(recordKey(kind, record.getKey()));
            byte[] value = Objects.requireNonNull(record.getValue(), "value of " + record.getKey()).clone();
            values.add(value);
            size += value.length + 64L;
        }
        environment.write(size, tx -> {
            List<ByteBuffer> old = new ArrayList<>();
            tx.scan(Database.REGISTRY, prefix, (key, value) -> old.add(Transaction.direct(Transaction.copy(key))));
            old.forEach(key -> tx.delete(Database.REGISTRY, key));
            for (int i = 0; i < keys.size(); i++) {
                tx.put(Database.REGISTRY, keys.get(i), values.get(i));
            }
            return null;
        });
    }

    public boolean delete(String kind, String key) {
        ByteBuffer recordKey = recordKey(kind, key);
        return environment.write(tx -> tx.delete(Database.REGISTRY, recordKey));
    }

    private static ByteBuffer kindPrefix(String kind) {
        return Transaction.direct(kindBytes(kind));
    }

    private static byte[] kindBytes(String kind) {
        if (kind == null || kind.isEmpty() || kind.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("A registry kind must be non-empty text without NUL characters.");
        }
        byte[] name = kind.getBytes(StandardCharsets.UTF_8);
        byte[] prefix = new byte[name.length + 1];
        System.arraycopy(name, 0, prefix, 0, name.length);
        // prefix[name.length] stays 0x00: the separator, which no kind contains.
        return prefix;
    }

    private static ByteBuffer recordKey(String kind, String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("A registry key must be non-empty.");
        }
        byte[] prefix = kindBytes(kind);
        byte[] name = key.getBytes(StandardCharsets.UTF_8);
        if (prefix.length + name.length > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("The registry kind and key together exceed " + (MAX_KEY_BYTES - 1)
                    + " bytes of UTF-8.");
        }
        ByteBuffer buffer = ByteBuffer.allocateDirect(prefix.length + name.length);
        buffer.put(prefix).put(name).flip();
        return buffer;
    }
}
