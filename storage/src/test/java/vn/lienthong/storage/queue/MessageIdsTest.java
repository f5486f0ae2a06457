package vn.lienthong.storage.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MessageIdsTest {

    /** Up to the year 10889, the end of a version 7 UUID's 48-bit millisecond field. */
    private static final long MAX_MILLIS = (1L << 48) - 1;

    @Test
    void anIdMadeLaterSortsAfterOneMadeEarlierAsTextAndAsBytes() {
        // Ids within one 1/4096 of a millisecond are in random order; further apart, in time order.
        long quantumNanos = 245;
        qt().forAll(longs().between(0, MAX_MILLIS * 1_000_000 - 1), longs().between(quantumNanos, 10_000_000_000L))
                .checkAssert((earlierNanos, gap) -> {
                    long laterNanos = Math.min(earlierNanos + gap, MAX_MILLIS * 1_000_000 + 999_999);
                    UUID earlier = MessageIds.timeOrdered(instant(earlierNanos));
                    UUID later = MessageIds.timeOrdered(instant(laterNanos));
                    if (laterNanos - earlierNanos >= quantumNanos) {
                        assertTrue(earlier.toString().compareTo(later.toString()) < 0, earlier + " !< " + later);
                        assertTrue(Long.compareUnsigned(earlier.getMostSignificantBits(),
                                later.getMostSignificantBits()) < 0);
                    }
                });
    }

    @Test
    void anIdIsAVersion7UuidThatCarriesItsMillisecond() {
        qt().forAll(longs().between(0, MAX_MILLIS), integers().between(0, 999_999)).checkAssert((millis, nanos) -> {
            UUID id = MessageIds.timeOrdered(Instant.ofEpochMilli(millis).plusNanos(nanos));
            assertEquals(7, id.version());
            assertEquals(2, id.variant());
            assertEquals(millis, id.getMostSignificantBits() >>> 16);
            assertEquals(id, UUID.fromString(id.toString()));
        });
    }

    @Test
    void idsMadeAtTheSameInstantDoNotRepeat() {
        Instant now = Instant.parse("2026-11-26T23:00:00.123456789Z");
        Set<UUID> ids = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            assertTrue(ids.add(MessageIds.timeOrdered(now)));
        }
    }

    @Test
    void aTimeOutsideTheFieldIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> MessageIds.timeOrdered(Instant.ofEpochMilli(-1)));
        assertThrows(IllegalArgumentException.class, () -> MessageIds.timeOrdered(Instant.ofEpochMilli(1L << 48)));
    }

    private static Instant instant(long epochNanos) {
        return Instant.ofEpochSecond(epochNanos / 1_000_000_000L, epochNanos % 1_000_000_000L);
    }
}
