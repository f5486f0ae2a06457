package vn.lienthong.appliance.tenancy;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Each tenant's submission rate, as a token bucket: up to N submissions per minute, in bursts of
 * at most N. The limit is read from the tenant's quota at every submission, so a change by the
 * operator applies at once. Held in memory: a restart gives every tenant a full bucket.
 */
public final class SubmissionRate {

    private static final long NANOS_PER_MINUTE = Duration.ofMinutes(1).toNanos();

    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** @param nanoTime a monotonic clock ({@code System::nanoTime}) */
    public SubmissionRate(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /**
     * Takes one submission from the tenant's allowance of {@code perMinute} (0: no limit); empty
     * when it was taken, else how long until one is free again.
     */
    public Optional<Duration> take(String tenant, int perMinute) {
        if (perMinute <= 0) {
            buckets.remove(tenant);
            return Optional.empty();
        }
        Bucket bucket = buckets.computeIfAbsent(tenant, t -> new Bucket(perMinute, nanoTime.getAsLong()));
        synchronized (bucket) {
            return bucket.take(perMinute, nanoTime.getAsLong());
        }
    }

    /** Tokens in whole-token units scaled by {@link #NANOS_PER_MINUTE}, so refills need no floating point. */
    private static final class Bucket {
        private long scaledTokens;
        private long lastNanos;

        Bucket(int perMinute, long now) {
            this.scaledTokens = perMinute * NANOS_PER_MINUTE;
            this.lastNanos = now;
        }

        Optional<Duration> take(int perMinute, long now) {
            long capacity = perMinute * NANOS_PER_MINUTE;
            // A minute refills any bucket, so longer pauses need not be counted (and cannot overflow).
            long elapsed = Math.min(NANOS_PER_MINUTE, Math.max(0, now - lastNanos));
            lastNanos = now;
            // Each elapsed nanosecond adds perMinute / NANOS_PER_MINUTE of a token: perMinute scaled units.
            scaledTokens = Math.min(capacity, scaledTokens + elapsed * perMinute);
            if (scaledTokens >= NANOS_PER_MINUTE) {
                scaledTokens -= NANOS_PER_MINUTE;
                return Optional.empty();
            }
            long missingNanos = (NANOS_PER_MINUTE - scaledTokens + perMinute - 1) / perMinute;
            return Optional.of(Duration.ofNanos(missingNanos));
        }
    }
}
