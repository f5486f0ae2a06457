package vn.lienthong.appliance.envelope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StrictJsonTimeTest {

    private static final long YEAR_9999_END = Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli();
    private static final long YEAR_0000 = Instant.parse("0000-01-01T00:00:00Z").toEpochMilli();

    @Test
    void readsEveryTimeTheAppliancesWriteAsTheGeneralFormatterDoes() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            Instant written = Instant.ofEpochMilli(random.nextLong(YEAR_0000, YEAR_9999_END));
            String text = StrictJson.MILLIS_UTC.format(written);

            assertEquals(StrictJson.MILLIS_UTC.parse(text, Instant::from), StrictJson.parseMillisUtc(text), text);
        }
    }

    @Test
    void leavesEveryOtherFormToTheGeneralFormatter() {
        for (String text : List.of("2026-02-30T08:15:00.250Z", "2026-01-31T24:00:00.000Z", "2026-01-31T23:59:60.000Z",
                "2026-01-31T08:15:00Z", "2026-01-31T08:15:00.25Z", "2026-01-31T08:15:00.2500Z",
                "2026-01-31 08:15:00.250Z", "2026-01-31T08:15:00.250+07:00", "2026-1-31T08:15:00.2500Z",
                "+026-01-31T08:15:00.250Z", "2026-01-31T08:15:00.25xZ", "٢٠٢٦-01-31T08:15:00.250Z")) {
            assertNull(StrictJson.parseMillisUtc(text), text);
        }
    }

    @Test
    void refusesAnImpossibleDateInTheCommonFormAsMalformed() {
        ObjectNode json = JsonNodeFactory.instance.objectNode().put("createdAt", "2026-02-30T08:15:00.250Z");

        var rejected = assertThrows(EnvelopeRejectedException.class,
                () -> StrictJson.instant(json, "createdAt", "the envelope header"));

        assertEquals(EnvelopeRejectedException.Reason.MALFORMED, rejected.reason());
    }
}
