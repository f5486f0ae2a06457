package vn.lienthong.storage.queue;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Message ids that sort in the order they were made: UUID version 7 (RFC 9562, section 5.7), the
 * Unix time in milliseconds, then the sub-millisecond fraction (section 6.2, method 3), then 62
 * random bits. The appliance makes its outgoing message ids so because the stores index messages by
 * id: ids in time order are appended to that index, where random ones (version 4) dirty a different
 * page of it for nearly every message, which is most of what a durable enqueue writes to disk.
 */
public final class MessageIds {

    /**
     * Ids must not repeat across appliances, restarts or clocks set back, but they are no secret (they
     * travel in the clear header, and every lookup is the tenant's own). So the random bits come from
     * the thread's fast generator, without the lock a shared SecureRandom takes on every call, mixed
     * with this process's own secure draw, so that two processes whose generators started alike
     * still differ.
     */
    private static final long PROCESS_BITS = new SecureRandom().nextLong();

    private MessageIds() {
    }

    /** A new id for a message accepted now. */
    public static UUID timeOrdered() {
        return timeOrdered(Instant.now());
    }

    /** A new id for a message accepted at {@code now}: later instants give greater ids (in string order too). */
    public static UUID timeOrdered(Instant now) {
        long millis = now.toEpochMilli();
        if (millis < 0 || millis >= 1L << 48) {
            throw new IllegalArgumentException("A version 7 UUID holds times from 1970 to 10889, not " + now + ".");
        }
        // 12 bits of the millisecond's fraction, so ids made within one millisecond mostly keep their order too.
        long fraction = (now.getNano() % 1_000_000L) * 4096 / 1_000_000L;
        long high = millis << 16 | 0x7000L | fraction;
        long low = (ThreadLocalRandom.current().nextLong() ^ PROCESS_BITS) & 0x3FFF_FFFF_FFFF_FFFFL | 0x8000_0000_0000_0000L;
        return new UUID(high, low);
    }
}
