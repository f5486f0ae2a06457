package vn.lienthong.appliance.envelope;

import java.security.cert.X509Certificate;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * The rule that ties a signing certificate to the organ it speaks for: the certificate's subject
 * has exactly one common name, and it is the organ id. Kept in this one place because the
 * Government CA's profile for organ certificates may call for another rule later.
 */
public final class OrganBinding {

    private OrganBinding() {
    }

    /** The organ id the certificate speaks for: its subject's single CN; empty when it has none or several. */
    public static Optional<String> organOf(X509Certificate certificate) {
        RDN[] commonNames = X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()).getRDNs(BCStyle.CN);
        // Several CNs, or a CN in a multi-valued RDN, would make "the" CN a matter of which one a reader picks.
        if (commonNames.length != 1 || commonNames[0].isMultiValued()
                || !(commonNames[0].getFirst().getValue() instanceof ASN1String cn)) {
            return Optional.empty();
        }
        return Optional.of(cn.getString());
    }

    /** True when the certificate speaks for exactly this organ. */
    public static boolean isBound(X509Certificate certificate, String organId) {
        return organOf(certificate).filter(organId::equals).isPresent();
    }
}
