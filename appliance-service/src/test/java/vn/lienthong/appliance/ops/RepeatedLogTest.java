package vn.lienthong.appliance.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RepeatedLogTest {

    private static final String NAME = "vn.lienthong.test.repeated";
    private final List<LogRecord> written = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            written.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    /** A clock the test moves by hand: the window is a minute, the test takes milliseconds. */
    private Instant now = Instant.parse("2026-03-12T08:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };
    private final ApplianceMetrics metrics = new ApplianceMetrics();
    private final RepeatedLog log = new RepeatedLog(System.getLogger(NAME), "forwarder", metrics, clock,
            RepeatedLog.MINUTE);

    @BeforeEach
    void capture() {
        Logger.getLogger(NAME).addHandler(capture);
    }

    @AfterEach
    void release() {
        Logger.getLogger(NAME).removeHandler(capture);
    }

    @Test
    void aFailureRepeatedWithinTheWindowIsWrittenOnceAndThenWithItsCount() {
        for (int i = 0; i < 10_000; i++) {
            log.log(System.Logger.Level.WARNING, "store full", "forwarder: Insufficient storage (" + i + ")");
        }
        assertEquals(1, written.size());
        assertEquals("forwarder: Insufficient storage (0)", written.getFirst().getMessage());
        assertEquals(9_999, suppressed("forwarder"));

        now = now.plus(Duration.ofSeconds(61));
        log.log(System.Logger.Level.WARNING, "store full", "forwarder: Insufficient storage (again)");
        assertEquals(2, written.size());
        assertTrue(written.get(1).getMessage().startsWith("forwarder: Insufficient storage (again) (9999 more like it"),
                written.get(1).getMessage());
        assertEquals(9_999, suppressed("forwarder"), "what is written is not counted as suppressed");
    }

    @Test
    void eachKindOfFailureHasItsOwnWindow() {
        log.log(System.Logger.Level.INFO, "retry 000.00.00.H41 unreachable", "H41 is down");
        log.log(System.Logger.Level.INFO, "retry 000.00.00.H14 unreachable", "H14 is down");
        log.log(System.Logger.Level.INFO, "retry 000.00.00.H41 unreachable", "H41 is down");
        assertEquals(List.of("H41 is down", "H14 is down"), written.stream().map(LogRecord::getMessage).toList());
        assertEquals(1, suppressed("forwarder"));
    }

    @Test
    void manyKindsAtOnceShareOneWindowBeyondTheBound() {
        for (int i = 0; i < 5_000; i++) {
            log.log(System.Logger.Level.INFO, "kind " + i, "failure " + i);
        }
        assertTrue(written.size() <= 513, "memory and lines stay bounded: " + written.size());
        assertEquals(5_000, written.size() + suppressed("forwarder"));
    }

    private double suppressed(String source) {
        String text = new String(metrics.scrape(), StandardCharsets.UTF_8);
        return text.lines()
                .filter(l -> l.startsWith("lienthong_log_suppressed_total{source=\"" + source + "\"}"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }
}
