package vn.lienthong.appliance.axis;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import vn.lienthong.appliance.tls.AnchorTrustManager;
import vn.lienthong.appliance.tls.PeerNotPinnedException;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.provisioning.registry.DirectoryEntry;

/**
 * The axis listener's admission check in the TLS handshake: a client certificate is accepted only when its
 * SHA-256 is pinned in the routing directory (a peer appliance's TLS certificate) or is this appliance's own.
 * The directory is read as it is now (an operator's import takes effect at the next handshake); the set of pins
 * is rebuilt only when the directory's version changes.
 */
public final class DirectoryPins implements AnchorTrustManager.PeerCheck {

    private final ApplianceRegistry registry;
    private final Supplier<X509Certificate> ownCertificate;
    private volatile Pins pins = new Pins(null, Set.of());

    private record Pins(String version, Set<String> sha256) {
    }

    /** @param ownCertificate this appliance's TLS certificate as presented now (it delivers to its own tenants) */
    public DirectoryPins(ApplianceRegistry registry, Supplier<X509Certificate> ownCertificate) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.ownCertificate = Objects.requireNonNull(ownCertificate, "ownCertificate");
    }

    @Override
    public void check(X509Certificate[] chain) throws CertificateException {
        String fingerprint = Pem.sha256Fingerprint(chain[0]);
        if (current().contains(fingerprint) || fingerprint.equals(Pem.sha256Fingerprint(ownCertificate.get()))) {
            return;
        }
        throw new PeerNotPinnedException("the client certificate '" + chain[0].getSubjectX500Principal().getName()
                + "' (SHA-256 " + fingerprint + ") is not pinned in the routing directory");
    }

    private Set<String> current() throws CertificateException {
        try {
            String version = registry.directoryVersion();
            Pins known = pins;
            if (version.equals(known.version())) {
                return known.sha256();
            }
            Set<String> fresh = new HashSet<>();
            for (DirectoryEntry entry : registry.directory()) {
                fresh.add(entry.tlsCertificateSha256());
            }
            pins = new Pins(version, Set.copyOf(fresh));
            return pins.sha256();
        } catch (RuntimeException e) {
            throw new CertificateException("the routing directory could not be read: " + e.getMessage(), e);
        }
    }
}
