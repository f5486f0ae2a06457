package vn.lienthong.appliance.forward;

import java.net.URI;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps a down peer from taking every forwarder worker: once an attempt to a peer fails, only one
 * attempt at a time goes to it until one succeeds; deliveries to other peers carry on meanwhile.
 */
final class PeerProbes {

    private final Set<URI> failing = ConcurrentHashMap.newKeySet();
    private final Set<URI> probing = ConcurrentHashMap.newKeySet();

    /** One attempt at a peer; report its result, then close it. */
    final class Attempt implements AutoCloseable {
        private final URI peer;
        private final boolean probe;

        private Attempt(URI peer, boolean probe) {
            this.peer = peer;
            this.probe = probe;
        }

        void result(boolean succeeded) {
            if (succeeded) {
                failing.remove(peer);
            } else {
                failing.add(peer);
            }
        }

        @Override
        public void close() {
            if (probe) {
                probing.remove(peer);
            }
        }
    }

    /** An attempt at {@code peer}, or empty if the peer is failing and another attempt is under way. */
    Optional<Attempt> begin(URI peer) {
        if (!failing.contains(peer)) {
            return Optional.of(new Attempt(peer, false));
        }
        return probing.add(peer) ? Optional.of(new Attempt(peer, true)) : Optional.empty();
    }
}
