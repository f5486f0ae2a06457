package vn.lienthong.storage.audit;

import java.time.Instant;
import java.util.Objects;

/** Something to record in the audit log: who did what, when. */
public record AuditEvent(Instant at, String actor, String action, String detail) {
    public AuditEvent {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(action, "action");
        detail = detail == null ? "" : detail;
    }
}
