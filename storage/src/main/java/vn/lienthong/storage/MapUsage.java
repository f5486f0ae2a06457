package vn.lienthong.storage;

/** How much of the LMDB map is used. */
public record MapUsage(long usedBytes, long mapSizeBytes) {
}
