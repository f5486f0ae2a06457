package vn.lienthong.storage.registry;

import java.util.Optional;
import java.util.SortedMap;

/**
 * Small durable records by kind and key (tenants, trust anchors, directory entries), shared with
 * the operator CLI through the same environment: a write is visible to every process at once.
 */
public final class Registry {

    Registry() {
    }

    public void put(String kind, String key, byte[] value) {
        throw new UnsupportedOperationException("TODO");
    }

    public Optional<byte[]> get(String kind, String key) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Every record of a kind, by key. */
    public SortedMap<String, byte[]> list(String kind) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Replaces every record of a kind with these, in one transaction (e.g. a new routing directory). */
    public void replaceAll(String kind, java.util.Map<String, byte[]> records) {
        throw new UnsupportedOperationException("TODO");
    }

    public boolean delete(String kind, String key) {
        throw new UnsupportedOperationException("TODO");
    }
}
