package vn.lienthong.hsm.trust;

import java.nio.ByteBuffer;
import java.security.cert.CRLReason;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The CRLs an appliance holds, one per issuer (its name and key), as a {@link RevocationCheck}.
 * An issuer without a CRL is not checked; once one is held, a certificate of that issuer is
 * refused while the CRL is past its nextUpdate (RFC 5280 §5.1.2.5), since its status is unknown.
 *
 * <p>A certificate counts as revoked at the time asked when its revocation date is not later, or
 * whatever the date when the reason is keyCompromise or cACompromise (RFC 5280 §5.3.1): a stolen
 * key can sign with any date it likes.
 */
public final class RevocationLists implements RevocationCheck {

    public static final RevocationLists EMPTY = new RevocationLists(List.of());

    private final List<HeldCrl> crls;
    private final Map<List<ByteBuffer>, HeldCrl> byIssuer = new HashMap<>();

    /** @param crls verified CRLs; of two for the same issuer, the later thisUpdate counts */
    public RevocationLists(Collection<HeldCrl> crls) {
        this.crls = List.copyOf(crls);
        for (HeldCrl held : this.crls) {
            byIssuer.merge(issuerKey(held.issuer()), held, (a, b) ->
                    b.crl().getThisUpdate().after(a.crl().getThisUpdate()) ? b : a);
        }
    }

    /** The CRLs held. */
    public List<HeldCrl> crls() {
        return crls;
    }

    @Override
    public void check(X509Certificate certificate, X509Certificate issuer, Instant at) {
        HeldCrl held = byIssuer.get(issuerKey(issuer));
        if (held == null) {
            return;
        }
        if (held.crl().getNextUpdate() != null && at.isAfter(held.crl().getNextUpdate().toInstant())) {
            throw new CrlOutOfDateException("the CRL of '" + held.issuerName() + "' was due to be renewed at "
                    + held.crl().getNextUpdate().toInstant() + ", so whether '" + name(certificate)
                    + "' is revoked is unknown; import a fresh CRL with 'provision crl import'");
        }
        Optional<X509CRLEntry> entry = entry(held, certificate);
        if (entry.isPresent() && revokedAt(entry.get(), at)) {
            CRLReason reason = entry.get().getRevocationReason();
            throw new CertificateRevokedException("certificate '" + name(certificate) + "' (serial "
                    + certificate.getSerialNumber().toString(16) + ") was revoked by '" + held.issuerName() + "' on "
                    + entry.get().getRevocationDate().toInstant()
                    + (reason != null ? " (" + reason.name().toLowerCase(java.util.Locale.ROOT) + ")" : ""));
        }
    }

    /** The CRL entry of a certificate, whatever its date, if its issuer's CRL is held and lists it. */
    public Optional<X509CRLEntry> revocation(X509Certificate certificate, X509Certificate issuer) {
        HeldCrl held = byIssuer.get(issuerKey(issuer));
        return held == null ? Optional.empty() : entry(held, certificate);
    }

    private static Optional<X509CRLEntry> entry(HeldCrl held, X509Certificate certificate) {
        return Optional.ofNullable(held.crl().getRevokedCertificate(certificate.getSerialNumber()));
    }

    private static boolean revokedAt(X509CRLEntry entry, Instant at) {
        CRLReason reason = entry.getRevocationReason();
        return reason == CRLReason.KEY_COMPROMISE || reason == CRLReason.CA_COMPROMISE
                || !entry.getRevocationDate().toInstant().isAfter(at);
    }

    /** An issuer by its name and public key (two CAs may share a name; a re-keyed CA signs other CRLs). */
    private static List<ByteBuffer> issuerKey(X509Certificate issuer) {
        return List.of(ByteBuffer.wrap(issuer.getSubjectX500Principal().getEncoded()),
                ByteBuffer.wrap(issuer.getPublicKey().getEncoded()));
    }

    private static String name(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName();
    }
}
