package vn.lienthong.appliance.keys;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import vn.lienthong.storage.audit.AuditEvent;
import vn.lienthong.storage.audit.AuditLog;

/**
 * Counts signatures per key and writes them to the audit log in batches: one record per key and
 * {@link #flush()} (the service flushes every second), rather than one durable write per signature.
 */
public final class KeyUsageAudit {

    private static final System.Logger LOG = System.getLogger(KeyUsageAudit.class.getName());

    private final AuditLog log;
    private final Clock clock;
    private final ConcurrentHashMap<String, LongAdder> counts = new ConcurrentHashMap<>();
    private Instant since;

    public KeyUsageAudit(AuditLog log, Clock clock) {
        this.log = log;
        this.clock = clock;
        this.since = clock.instant();
    }

    /** One signature was made with the key {@code alias}. */
    public void signed(String alias) {
        counts.computeIfAbsent(alias, a -> new LongAdder()).increment();
    }

    /** Appends one key-usage record per key used since the last flush, in one transaction. */
    public synchronized void flush() {
        Instant now = clock.instant();
        Map<String, Long> used = new TreeMap<>();
        counts.forEach((alias, adder) -> {
            long n = adder.sumThenReset();
            if (n > 0) {
                used.put(alias, n);
            }
        });
        if (used.isEmpty()) {
            since = now;
            return;
        }
        List<AuditEvent> events = new ArrayList<>();
        used.forEach((alias, n) -> events.add(new AuditEvent(now, "appliance", "key-usage",
                "key " + alias + " made " + n + " signatures from " + since + " to " + now)));
        try {
            log.appendAll(events);
            since = now;
        } catch (RuntimeException e) {
            // Put the counts back: the next flush records them (the store may be full for a moment).
            used.forEach((alias, n) -> counts.computeIfAbsent(alias, a -> new LongAdder()).add(n));
            LOG.log(System.Logger.Level.WARNING, "key usage not written to the audit log yet: " + e.getMessage());
        }
    }
}
