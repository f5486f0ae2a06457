package vn.lienthong.storage.audit;

import java.time.Instant;

/**
 * One entry of the audit log: who ({@code actor}) did what ({@code action}, with {@code detail})
 * when, numbered from 1, holding the SHA-256 of the record before it ({@code previousHash}, all
 * zeros for the first) and its own ({@code hash}).
 */
public record AuditRecord(long sequence, Instant at, String actor, String action, String detail,
                          byte[] previousHash, byte[] hash) {
}
