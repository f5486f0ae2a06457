package vn.lienthong.appliance.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.core.Gen;
import vn.lienthong.appliance.ops.ApplianceMetrics;
import vn.lienthong.storage.Storage;
import vn.lienthong.storage.audit.AuditRecord;

/** The aggregation of refusals, on a real LMDB audit log, with a clock the test moves. */
class RefusalAuditTest {

    private static final Pattern DETAIL = Pattern.compile("^listener=(\\S+) reason=(\\S+) count=(\\d+) ");
    private static final List<String> REASONS = List.of("unknown-client-certificate", "unknown-message",
            "unknown-recipient");

    @TempDir
    Path directory;
    Storage storage;
    MovableClock clock = new MovableClock(Instant.parse("2026-12-06T08:00:00Z"));

    @BeforeEach
    void open() {
        storage = Storage.open(directory, 64L * 1024 * 1024);
    }

    @AfterEach
    void close() {
        storage.close();
    }

    /** One refusal: seconds the clock moves first, then which caller and which reason. */
    private record Step(int advanceSeconds, int caller, int reason) {
    }

    private static final Gen<Step> STEP = integers().between(0, 75)
            .zip(integers().between(0, 4), integers().between(0, 2), Step::new);

    @Test
    void atMostOneRecordPerCallerAndReasonPerMinuteAndTheirCountsAddUpToTheRefusals() {
        qt().withExamples(60).forAll(lists().of(STEP).ofSizeBetween(1, 120)).checkAssert(steps -> {
            ApplianceMetrics metrics = new ApplianceMetrics();
            RefusalAudit refusals = new RefusalAudit(storage.audit(), metrics, clock);
            long before = storage.audit().size();
            Map<String, Long> expected = new HashMap<>();
            for (Step step : steps) {
                clock.advance(Duration.ofSeconds(step.advanceSeconds()));
                String caller = "dms:CN=client " + step.caller() + " sha256:" + step.caller();
                String reason = REASONS.get(step.reason());
                refusals.refused("api", caller, reason, () -> "request=GET /api/v1/inbox");
                expected.merge(caller + " " + reason, 1L, Long::sum);
                refusals.flushIfDue();
            }
            clock.advance(RefusalAudit.WINDOW);
            refusals.flushIfDue();

            Map<String, Long> counted = new HashMap<>();
            Map<String, Instant> lastRecordOf = new HashMap<>();
            for (AuditRecord record : recordsSince(before)) {
                Matcher m = DETAIL.matcher(record.detail());
                assertTrue(m.find(), record.detail());
                String key = record.actor() + " " + m.group(2);
                Instant previous = lastRecordOf.put(key, record.at());
                assertTrue(previous == null || !record.at().isBefore(previous.plus(RefusalAudit.WINDOW)),
                        "two records of " + key + " within a minute: " + previous + " and " + record.at());
                counted.merge(key, Long.parseLong(m.group(3)), Long::sum);
            }
            assertEquals(expected, counted);
            assertEquals(steps.size(), refusedTotal(metrics), 0.0);
        });
    }

    @Test
    void callersBeyondTheCapAreFoldedIntoOneOtherRecordThatSaysSo() {
        ApplianceMetrics metrics = new ApplianceMetrics();
        RefusalAudit refusals = new RefusalAudit(storage.audit(), metrics, clock, 16);
        long before = storage.audit().size();
        for (int i = 0; i < 1000; i++) {
            refusals.refused("api", "dms:address 10.0." + (i / 256) + "." + (i % 256), "unknown-client-certificate",
                    () -> "request=GET /api/v1/inbox");
        }
        clock.advance(RefusalAudit.WINDOW);
        refusals.flushIfDue();

        List<AuditRecord> records = recordsSince(before);
        assertEquals(17, records.size(), "16 callers and one aggregate of the rest");
        long total = 0;
        for (AuditRecord record : records) {
            Matcher m = DETAIL.matcher(record.detail());
            assertTrue(m.find(), record.detail());
            total += Long.parseLong(m.group(3));
        }
        assertEquals(1000, total, "every refusal is counted once");
        AuditRecord other = records.stream().filter(r -> r.actor().equals(RefusalAudit.OTHER)).findFirst().orElseThrow();
        assertTrue(other.detail().contains("count=984") && other.detail().contains("beyond the first 16"),
                other.detail());
        assertEquals(1000, refusedTotal(metrics), 0.0);
    }

    @Test
    void nothingIsWrittenBeforeTheMinuteIsOverAndAQuietMinuteWritesNothing() {
        RefusalAudit refusals = new RefusalAudit(storage.audit(), new ApplianceMetrics(), clock);
        long before = storage.audit().size();
        for (int i = 0; i < 5000; i++) {
            refusals.refused("axis", "peer:CN=b sha256:00", "unknown-recipient", () -> "tenant=unknown");
        }
        clock.advance(Duration.ofSeconds(59));
        refusals.flushIfDue();
        assertEquals(before, storage.audit().size(), "5,000 refusals in 59 s: no record yet");
        clock.advance(Duration.ofSeconds(1));
        refusals.flushIfDue();
        assertEquals(before + 1, storage.audit().size(), "one record once the minute is over");
        clock.advance(Duration.ofMinutes(5));
        refusals.flushIfDue();
        assertEquals(before + 1, storage.audit().size());
        AuditRecord record = recordsSince(before).getFirst();
        assertEquals(RefusalAudit.ACTION, record.action());
        assertTrue(record.detail().startsWith("listener=axis reason=unknown-recipient count=5000 "), record.detail());
    }

    @Test
    void aCallerIsItsCertificateSubjectAndSha256OrElseItsAddress() {
        assertEquals("dms:address 192.0.2.7", RefusalAudit.caller("dms", null, "192.0.2.7"));
        assertEquals("peer:unknown", RefusalAudit.caller("peer", null, null));
    }

    private List<AuditRecord> recordsSince(long size) {
        List<AuditRecord> records = new ArrayList<>();
        storage.audit().forEach(r -> {
            if (r.sequence() > size) {
                assertEquals(RefusalAudit.ACTION, r.action());
                records.add(r);
            }
        });
        return records;
    }

    private static double refusedTotal(ApplianceMetrics metrics) {
        String text = new String(metrics.scrape(), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("(?m)^lienthong_refused_total\\{[^}]*\\} (\\S+)$").matcher(text);
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }

    /** A clock that stands still until the test moves it. */
    static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
