package vn.lienthong.storage.queue;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/** How many messages a queue holds per tenant and since when its oldest one has waited (for metrics). */
public record QueueDepth(Map<String, Long> byTenant, Optional<Instant> oldestSince) {
    public QueueDepth {
        byTenant = Map.copyOf(byTenant);
    }

    public long total() {
        return byTenant.values().stream().mapToLong(Long::longValue).sum();
    }
}
