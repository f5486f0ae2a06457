package vn.lienthong.appliance.admission;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts a listener's open connections, in all and per client address, and admits a new one only within
 * {@link ListenerLimits#maxConnections()} and {@link ListenerLimits#maxConnectionsPerAddress()}. Safe for
 * many threads; every admitted connection must be {@linkplain #release released} exactly once.
 */
public final class ConnectionCount {

    private final int max;
    private final int maxPerAddress;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();

    public ConnectionCount(ListenerLimits limits) {
        this.max = limits.maxConnections();
        this.maxPerAddress = limits.maxConnectionsPerAddress();
    }

    /** Admits one more connection from {@code address}, or says why not. */
    public Admission admit(InetAddress address) {
        if (total.incrementAndGet() > max) {
            total.decrementAndGet();
            return Admission.TOO_MANY_CONNECTIONS;
        }
        boolean[] admitted = {false};
        perAddress.compute(address, (key, open) -> {
            int now = open == null ? 0 : open;
            if (now >= maxPerAddress) {
                return open;
            }
            admitted[0] = true;
            return now + 1;
        });
        if (!admitted[0]) {
            total.decrementAndGet();
            return Admission.TOO_MANY_FROM_ADDRESS;
        }
        return Admission.ADMITTED;
    }

    /** Gives back a connection that {@link #admit} admitted. */
    public void release(InetAddress address) {
        perAddress.computeIfPresent(address, (key, open) -> open <= 1 ? null : open - 1);
        total.decrementAndGet();
    }

    /** Connections open now. */
    public int open() {
        return total.get();
    }

    /** The verdict on a new connection; {@link #outcome()} is its label in the handshake metrics. */
    public enum Admission {
        ADMITTED("success"),
        TOO_MANY_CONNECTIONS("connection-limit"),
        TOO_MANY_FROM_ADDRESS("address-limit");

        private final String outcome;

        Admission(String outcome) {
            this.outcome = outcome;
        }

        public String outcome() {
            return outcome;
        }
    }
}
