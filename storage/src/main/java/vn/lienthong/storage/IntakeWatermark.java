package vn.lienthong.storage;

/**
 * When the store takes new documents (intake): open until the store's occupancy reaches the
 * high-water mark, then closed until it falls below the low-water mark (hysteresis, so that intake
 * does not flap at the mark). What intake leaves free is room for the writes that drain the store:
 * deliveries, receipts, acknowledgements, status updates and deletions. Thread-safe.
 */
public final class IntakeWatermark {

    private final int highWaterPercent;
    private final int lowWaterPercent;
    private boolean open = true;

    /**
     * @param highWaterPercent intake closes from this share of the store's limit (100: never)
     * @param lowWaterPercent  a closed intake opens again below this share; at most {@code highWaterPercent}
     */
    public IntakeWatermark(int highWaterPercent, int lowWaterPercent) {
        if (highWaterPercent < 1 || highWaterPercent > 100) {
            throw new IllegalArgumentException("The intake high-water mark must be from 1 to 100 percent, not "
                    + highWaterPercent + ".");
        }
        if (lowWaterPercent < 1 || lowWaterPercent > highWaterPercent) {
            throw new IllegalArgumentException("The intake low-water mark must be from 1 percent to the high-water"
                    + " mark (" + highWaterPercent + "), not " + lowWaterPercent + ".");
        }
        this.highWaterPercent = highWaterPercent;
        this.lowWaterPercent = lowWaterPercent;
    }

    /** A watermark that never closes: only a full map refuses a write. */
    public static IntakeWatermark none() {
        return new IntakeWatermark(100, 100);
    }

    /** Takes a reading of {@code occupiedBytes} out of {@code limitBytes}; true if intake is open after it. */
    public synchronized boolean admits(long occupiedBytes, long limitBytes) {
        if (highWaterPercent == 100) {
            return true;
        }
        // Compared as percent * bytes: exact, and no overflow below 92 PiB.
        if (open && occupiedBytes * 100 >= (long) highWaterPercent * limitBytes) {
            open = false;
        } else if (!open && occupiedBytes * 100 < (long) lowWaterPercent * limitBytes) {
            open = true;
        }
        return open;
    }

    /** Whether intake was open at the last reading. */
    public synchronized boolean isOpen() {
        return open;
    }

    public int highWaterPercent() {
        return highWaterPercent;
    }

    public int lowWaterPercent() {
        return lowWaterPercent;
    }
}
