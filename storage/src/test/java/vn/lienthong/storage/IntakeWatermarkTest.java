package vn.lienthong.storage;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IntakeWatermarkTest {

    private static final long LIMIT = 1000;

    @Test
    void closesAtTheHighWaterMarkAndOpensOnlyBelowTheLowWaterMark() {
        IntakeWatermark watermark = new IntakeWatermark(90, 80);
        assertTrue(watermark.admits(0, LIMIT));
        assertTrue(watermark.admits(899, LIMIT));
        assertFalse(watermark.admits(900, LIMIT), "closed at the high-water mark");
        // Between the marks it stays as it was: closed on the way down...
        assertFalse(watermark.admits(850, LIMIT));
        assertFalse(watermark.admits(800, LIMIT), "not yet below the low-water mark");
        assertTrue(watermark.admits(799, LIMIT), "open again below the low-water mark");
        // ...and open on the way up.
        assertTrue(watermark.admits(850, LIMIT));
        assertTrue(watermark.isOpen());
        assertFalse(watermark.admits(1000, LIMIT));
        assertFalse(watermark.isOpen());
    }

    @Test
    void theMarksAreSharesOfTheLimitGivenWithEachReading() {
        IntakeWatermark watermark = new IntakeWatermark(90, 80);
        assertFalse(watermark.admits(950, LIMIT));
        // The operator raised the store's ceiling: the same occupancy is now far below the marks.
        assertTrue(watermark.admits(950, 4 * LIMIT));
    }

    @Test
    void aWatermarkOfNoneNeverCloses() {
        assertTrue(IntakeWatermark.none().admits(LIMIT, LIMIT));
    }

    @Test
    void refusesMarksThatCannotWork() {
        assertThrows(IllegalArgumentException.class, () -> new IntakeWatermark(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new IntakeWatermark(101, 80));
        assertThrows(IllegalArgumentException.class, () -> new IntakeWatermark(80, 90));
    }
}
