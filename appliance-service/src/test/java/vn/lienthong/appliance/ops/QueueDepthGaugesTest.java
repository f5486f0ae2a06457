package vn.lienthong.appliance.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import vn.lienthong.storage.MapUsage;
import vn.lienthong.storage.queue.QueueDepth;

class QueueDepthGaugesTest {

    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicLong waiting = new AtomicLong(3);
    private final ApplianceMetrics metrics = new ApplianceMetrics();

    QueueDepthGaugesTest() {
        Clock clock = Clock.fixed(Instant.parse("2026-11-26T12:00:10Z"), ZoneOffset.UTC);
        metrics.registerGauges(() -> {
            reads.incrementAndGet();
            return Map.of("outbox", new QueueDepth(Map.of("000.00.00.G22", waiting.get()),
                    Optional.of(Instant.parse("2026-11-26T12:00:00Z"))));
        }, () -> new MapUsage(1, 10), Map::of, Map::of, clock);
    }

    private String scrape() {
        return new String(metrics.scrape(), StandardCharsets.UTF_8);
    }

    @Test
    void readsTheQueuesOnceForBothQueueGaugesOfAScrape() {
        String exposition = scrape();

        assertEquals(1, reads.get());
        assertTrue(exposition.contains("lienthong_queue_depth{queue=\"outbox\",tenant=\"000.00.00.G22\"} 3"),
                exposition);
        assertTrue(exposition.contains("lienthong_queue_oldest_age_seconds{queue=\"outbox\"} 10"), exposition);
    }

    @Test
    void showsWhatChangedSinceTheLastScrapeAtTheNextOne() {
        scrape();
        waiting.set(0);

        String exposition = scrape();

        assertEquals(2, reads.get());
        assertTrue(exposition.contains("lienthong_queue_depth{queue=\"outbox\",tenant=\"000.00.00.G22\"} 0"),
                exposition);
    }
}
