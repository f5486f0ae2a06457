package vn.lienthong.storage;

/**
 * Whether the store takes new documents, and why: {@code occupiedBytes} (pages in use plus the room
 * kept for each pending delivery's receipt) out of {@code limitBytes} (the largest the map may grow
 * to), against the watermark's marks in percent.
 */
public record IntakeState(boolean open, long occupiedBytes, long limitBytes, int highWaterPercent,
                          int lowWaterPercent) {

    /** Occupancy as a share of the limit, 0 to 1. */
    public double occupiedRatio() {
        return limitBytes == 0 ? 0 : (double) occupiedBytes / limitBytes;
    }
}
