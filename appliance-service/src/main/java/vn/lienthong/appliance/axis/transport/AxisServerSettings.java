package vn.lienthong.appliance.axis.transport;

import java.time.Duration;
import java.util.Objects;

/**
 * How the axis listener runs.
 *
 * @param host the address to bind ("0.0.0.0" for all)
 * @param port the TCP port; 0 picks a free one
 * @param maxBodyBytes the largest request body accepted; a larger one is answered 413
 * @param maxConcurrentRequests requests handled at once; beyond that the answer is 503 with Retry-After
 * @param idleTimeout a connection with no traffic for this long is closed
 * @param shutdownGrace how long {@link AxisServer#close()} waits for requests in progress
 */
public record AxisServerSettings(String host, int port, int maxBodyBytes, int maxConcurrentRequests,
        Duration idleTimeout, Duration shutdownGrace) {

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
        if (maxConcurrentRequests <= 0) {
            throw new IllegalArgumentException("the axis request limit must be positive, not " + maxConcurrentRequests);
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero() || shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("the axis idle timeout must be positive and the shutdown grace not negative");
        }
    }

    /** Defaults: 32 MiB bodies, 256 requests at once, 2 minutes idle, 10 seconds to drain on close. */
    public static AxisServerSettings of(String host, int port) {
        return new AxisServerSettings(host, port, DEFAULT_MAX_BODY_BYTES, 256, Duration.ofMinutes(2),
                Duration.ofSeconds(10));
    }

    public AxisServerSettings withMaxBodyBytes(int bytes) {
        return new AxisServerSettings(host, port, bytes, maxConcurrentRequests, idleTimeout, shutdownGrace);
    }

    public AxisServerSettings withMaxConcurrentRequests(int requests) {
        return new AxisServerSettings(host, port, maxBodyBytes, requests, idleTimeout, shutdownGrace);
    }
}
