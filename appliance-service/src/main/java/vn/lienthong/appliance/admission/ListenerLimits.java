package vn.lienthong.appliance.admission;

import java.time.Duration;

/**
 * What one listener admits before it spends memory or a thread on a client: connections in all and per
 * address, HTTP/2 streams per connection, requests in progress (taken before a body is read), how long a
 * request's headers may take and how slowly its body may arrive. Read from {@code listeners.<name>} in
 * {@code config.yaml}; see README.md for the keys.
 *
 * @param maxConnections            connections open at once; more are closed as they come
 * @param maxConnectionsPerAddress  connections open at once from one client address
 * @param maxConcurrentStreams      HTTP/2 streams open at once on one connection
 * @param maxConcurrentRequests     requests in progress at once, counted from their headers (before any body is
 *                                  read); more are answered 503 with Retry-After
 * @param requestHeaderTimeout      from a request's first byte to the end of its headers; slower is cut off (408)
 * @param minBodyRateBytesPerSecond a body arriving slower than this (after a one-second allowance) is cut off (408)
 */
public record ListenerLimits(int maxConnections, int maxConnectionsPerAddress, int maxConcurrentStreams,
        int maxConcurrentRequests, Duration requestHeaderTimeout, long minBodyRateBytesPerSecond) {

    /** The defaults of issue 14: 1024 connections, 64 per address, 32 streams, 256 requests, 10 s, 8 KiB/s. */
    public static final ListenerLimits DEFAULTS = new ListenerLimits(1024, 64, 32, 256, Duration.ofSeconds(10), 8192);

    public ListenerLimits {
        positive(maxConnections, "max-connections");
        positive(maxConnectionsPerAddress, "max-connections-per-address");
        positive(maxConcurrentStreams, "max-concurrent-streams");
        positive(maxConcurrentRequests, "max-concurrent-requests");
        if (requestHeaderTimeout == null || requestHeaderTimeout.isNegative() || requestHeaderTimeout.isZero()) {
            throw new IllegalArgumentException("request-header-timeout-seconds must be positive");
        }
        if (minBodyRateBytesPerSecond < 0) {
            throw new IllegalArgumentException("min-body-rate-bytes-per-second must not be negative (0: no minimum)");
        }
    }

    private static void positive(int value, String key) {
        if (value < 1) {
            throw new IllegalArgumentException(key + " must be at least 1, not " + value);
        }
    }

    public ListenerLimits withMaxConcurrentRequests(int requests) {
        return new ListenerLimits(maxConnections, maxConnectionsPerAddress, maxConcurrentStreams, requests,
                requestHeaderTimeout, minBodyRateBytesPerSecond);
    }

    /**
     * Whether a body of which {@code bytes} have arrived in {@code elapsedNanos} since its headers is too slow:
     * below the minimum rate, with one second's worth allowed for a slow start.
     */
    public boolean bodyTooSlow(long bytes, long elapsedNanos) {
        if (minBodyRateBytesPerSecond == 0) {
            return false;
        }
        double owed = minBodyRateBytesPerSecond * (elapsedNanos / 1e9 - 1.0);
        return bytes < owed;
    }
}
