package vn.lienthong.appliance.axis.transport;

import java.time.Duration;
import java.util.Objects;
import vn.lienthong.appliance.admission.ListenerLimits;

/**
 * How the axis listener runs.
 *
 * @param host the address to bind ("0.0.0.0" for all)
 * @param port the TCP port; 0 picks a free one
 * @param maxBodyBytes the largest request body accepted; a larger one is answered 413
 * @param idleTimeout a connection with no traffic for this long is closed
 * @param shutdownGrace how long {@link AxisServer#close()} waits for requests in progress
 * @param limits what the listener admits: connections, streams, requests in progress (taken before a body is
 *               read; beyond them the answer is 503 with Retry-After), header time and body rate
 */
public record AxisServerSettings(String host, int port, int maxBodyBytes, Duration idleTimeout,
        Duration shutdownGrace, ListenerLimits limits) {

    /** The default body limit: 32 MiB. */
    public static final int DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

    public AxisServerSettings {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("the axis port must be between 0 and 65535, not " + port);
        }
        if (maxBodyBytes <= 0) {
            throw new IllegalArgumentException("the axis body limit must be positive, not " + maxBodyBytes);
        }
        Objects.requireNonNull(limits, "limits");
        if (idleTimeout.isNegative() || idleTimeout.isZero() || shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("the axis idle timeout must be positive and the shutdown grace not negative");
        }
    }

    /** Defaults: 32 MiB bodies, 2 minutes idle, 10 seconds to drain on close, {@link ListenerLimits#DEFAULTS}. */
    public static AxisServerSettings of(String host, int port) {
        return new AxisServerSettings(host, port, DEFAULT_MAX_BODY_BYTES, Duration.ofMinutes(2),
                Duration.ofSeconds(10), ListenerLimits.DEFAULTS);
    }

    /** Requests in progress at once. */
    public int maxConcurrentRequests() {
        return limits.maxConcurrentRequests();
    }

    public AxisServerSettings withMaxBodyBytes(int bytes) {
        return new AxisServerSettings(host, port, bytes, idleTimeout, shutdownGrace, limits);
    }

    public AxisServerSettings withMaxConcurrentRequests(int requests) {
        return withLimits(limits.withMaxConcurrentRequests(requests));
    }

    public AxisServerSettings withLimits(ListenerLimits newLimits) {
        return new AxisServerSettings(host, port, maxBodyBytes, idleTimeout, shutdownGrace, newLimits);
    }
}
