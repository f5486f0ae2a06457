package vn.lienthong.hsm.trust;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** Putting certificates in chain order, as a signature or a file carries them in any order. */
public final class CertificateChains {
    private CertificateChains() {
    }

    /**
     * The leaf, then each certificate among {@code certificates} whose subject is the previous one's
     * issuer, up to a self-issued one or as far as they go; certificates that are not in the chain are left out.
     */
    public static List<X509Certificate> from(X509Certificate leaf, List<X509Certificate> certificates) {
        List<X509Certificate> chain = new ArrayList<>(List.of(leaf));
        X509Certificate current = leaf;
        while (!current.getIssuerX500Principal().equals(current.getSubjectX500Principal())) {
            X509Certificate next = null;
            for (X509Certificate candidate : certificates) {
                if (!chain.contains(candidate)
                        && candidate.getSubjectX500Principal().equals(current.getIssuerX500Principal())) {
                    next = candidate;
                    break;
                }
            }
            if (next == null) {
                break;
            }
            chain.add(next);
            current = next;
        }
        return chain;
    }
}
