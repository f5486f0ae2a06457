package vn.lienthong.appliance.audit;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import vn.lienthong.appliance.ops.ApplianceMetrics;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.storage.audit.AuditEvent;
import vn.lienthong.storage.audit.AuditLog;

/**
 * Counts refused requests in {@code lienthong_refused_total{listener,reason}} and audits them as
 * aggregates: at most one {@value #ACTION} record per (listener, caller, reason) per minute, carrying
 * the count, so that a loop of bogus requests costs the store a few hundred bytes a minute rather
 * than a durable record each. The caller is the client certificate (subject and SHA-256) or, without
 * one, the address. Memory is bounded too: beyond {@link #MAX_CALLERS} callers in a minute, further
 * ones are folded into one {@value #OTHER} aggregate per listener and reason, and its record says so.
 */
public final class RefusalAudit {

    /** The audit action of an aggregate of refusals. */
    public static final String ACTION = "refused";
    /** The shortest time between two records of one (listener, caller, reason). */
    public static final Duration WINDOW = Duration.ofMinutes(1);
    /** Distinct (listener, caller, reason) aggregates kept in one window before callers are folded together. */
    public static final int MAX_CALLERS = 256;
    /** The caller of the aggregate that holds the callers beyond {@link #MAX_CALLERS}. */
    public static final String OTHER = "other";
    /** A certificate subject is cut here: it is the caller's name in the log, not a place to store text. */
    private static final int MAX_SUBJECT_CHARS = 256;
    private static final int MAX_SAMPLE_CHARS = 512;
    private static final System.Logger LOG = System.getLogger(RefusalAudit.class.getName());

    private final AuditLog log;
    private final ApplianceMetrics metrics;
    private final Clock clock;
    private final int maxCallers;
    /** Refusals take it shared; a flush takes it alone to swap the window's tallies out whole. */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private Map<Key, Tally> tallies = new ConcurrentHashMap<>();
    /** When the first refusal of the current window came; null while the window is empty. */
    private volatile Instant windowStart;

    public RefusalAudit(AuditLog log, ApplianceMetrics metrics, Clock clock) {
        this(log, metrics, clock, MAX_CALLERS);
    }

    /** @param maxCallers distinct callers kept per window before the rest are folded into {@value #OTHER} */
    public RefusalAudit(AuditLog log, ApplianceMetrics metrics, Clock clock, int maxCallers) {
        this.log = log;
        this.metrics = metrics;
        this.clock = clock;
        this.maxCallers = maxCallers;
    }

    /**
     * The caller as the audit log names it: {@code role:SUBJECT sha256:HEX} for a client certificate,
     * else {@code role:address ADDRESS}, else {@code role:unknown}.
     */
    public static String caller(String role, X509Certificate leaf, String address) {
        if (leaf != null) {
            String subject = leaf.getSubjectX500Principal().getName();
            if (subject.length() > MAX_SUBJECT_CHARS) {
                subject = subject.substring(0, MAX_SUBJECT_CHARS) + "…";
            }
            return role + ":" + subject + " sha256:" + Pem.sha256Fingerprint(leaf);
        }
        return address != null ? role + ":address " + address : role + ":unknown";
    }

    /**
     * Counts one refusal; the first of its (listener, caller, reason) in this window also keeps
     * {@code sample} (asked only then), which the record shows.
     *
     * @param caller from {@link #caller}
     * @param sample what was asked, e.g. {@code tenant=X request=GET /api/v1/inbox/ID}
     */
    public void refused(String listener, String caller, String reason, Supplier<String> sample) {
        metrics.refused(listener, reason);
        Instant now = clock.instant();
        lock.readLock().lock();
        try {
            Key key = new Key(listener, caller, reason);
            Tally tally = tallies.get(key);
            if (tally == null) {
                if (tallies.size() >= maxCallers) {
                    key = new Key(listener, OTHER, reason);
                }
                tally = tallies.computeIfAbsent(key, k -> new Tally(now, cut(sample.get())));
            }
            tally.count.increment();
            if (windowStart == null) {
                startWindow(now);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    private synchronized void startWindow(Instant now) {
        if (windowStart == null) {
            windowStart = now;
        }
    }

    /** Writes the window's aggregates once it is {@link #WINDOW} old (the service asks every second). */
    public void flushIfDue() {
        Instant start;
        synchronized (this) {
            start = windowStart;
        }
        if (start != null && !clock.instant().isBefore(start.plus(WINDOW))) {
            flush();
        }
    }

    /**
     * Writes every aggregate now, one record each, in one transaction, and begins a new window (on
     * close, and in tests). When the store refuses, the counts are kept for the next flush.
     */
    public void flush() {
        Map<Key, Tally> taken;
        Instant start;
        lock.writeLock().lock();
        try {
            synchronized (this) {
                start = windowStart;
                windowStart = null;
            }
            taken = tallies;
            tallies = new ConcurrentHashMap<>();
        } finally {
            lock.writeLock().unlock();
        }
        if (taken.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        List<Map.Entry<Key, Tally>> entries = new ArrayList<>(taken.entrySet());
        entries.sort(Comparator.comparing((Map.Entry<Key, Tally> e) -> e.getValue().first));
        List<AuditEvent> events = new ArrayList<>(entries.size());
        for (Map.Entry<Key, Tally> entry : entries) {
            Key key = entry.getKey();
            Tally tally = entry.getValue();
            String detail = "listener=" + key.listener() + " reason=" + key.reason() + " count=" + tally.count.sum()
                    + " from=" + tally.first + " to=" + now
                    + (OTHER.equals(key.caller()) ? " callers=beyond the first " + maxCallers
                    + " certificates or addresses of this minute, folded into this record" : "")
                    + " first: " + tally.sample;
            events.add(new AuditEvent(now, key.caller(), ACTION, detail));
        }
        try {
            log.appendAll(events);
        } catch (RuntimeException e) {
            restore(taken, start);
            LOG.log(System.Logger.Level.WARNING, "refusals not written to the audit log yet (" + events.size()
                    + " aggregates kept for the next minute): " + e.getMessage());
        }
    }

    /** Puts counts that could not be written back, so that the next flush carries them. */
    private void restore(Map<Key, Tally> taken, Instant start) {
        lock.writeLock().lock();
        try {
            // The older tally keeps its first time and sample and takes the newer one's count.
            taken.forEach((key, tally) -> tallies.merge(key, tally, (newer, older) -> {
                older.count.add(newer.count.sum());
                return older;
            }));
            synchronized (this) {
                windowStart = windowStart == null || start.isBefore(windowStart) ? start : windowStart;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private static String cut(String sample) {
        String line = sample == null ? "-" : sample.replaceAll("\\p{Cntrl}", " ");
        return line.length() <= MAX_SAMPLE_CHARS ? line : line.substring(0, MAX_SAMPLE_CHARS) + "…";
    }

    private record Key(String listener, String caller, String reason) {
    }

    /** One aggregate: when it began, the first request's description and how many there were. */
    private static final class Tally {
        final Instant first;
        final String sample;
        final LongAdder count = new LongAdder();

        Tally(Instant first, String sample) {
            this.first = first;
            this.sample = sample;
        }
    }
}
