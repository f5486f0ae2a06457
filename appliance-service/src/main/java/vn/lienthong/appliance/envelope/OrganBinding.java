package vn.lienthong.appliance.envelope;

import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import vn.lienthong.hsm.trust.CertificateUsage;

/**
 * The rule that ties a signing certificate to the organ it speaks for: the certificate's subject
 * has exactly one common name, it is the organ id, and the certificate allows signing (keyUsage
 * digitalSignature or nonRepudiation, when it has a keyUsage). Kept in this one place because the
 * Government CA's profile for organ certificates may call for another rule later.
 */
public final class OrganBinding {
    /**
     * Organ ids by subject name, keyed on the name's exact DER bytes (not on X.500 name equality,
     * which ignores case): every envelope and receipt asks, and decoding the name cost 5% of the
     * receiver's CPU. Bounded by emptying when full.
     */
    private static final Map<ByteBuffer, Optional<String>> BY_SUBJECT = new ConcurrentHashMap<>();
    private static final int MAX_SUBJECTS = 1024;

    private OrganBinding() {
    }

    /** The organ id the certificate speaks for: its subject's single CN; empty when it has none or several. */
    public static Optional<String> organOf(X509Certificate certificate) {
        ByteBuffer subject = ByteBuffer.wrap(certificate.getSubjectX500Principal().getEncoded());
        Optional<String> known = BY_SUBJECT.get(subject);
        if (known != null) {
            return known;
        }
        Optional<String> organ = organOfSubject(subject.array());
        if (BY_SUBJECT.size() >= MAX_SUBJECTS) {
            BY_SUBJECT.clear();
        }
        BY_SUBJECT.put(subject, organ);
        return organ;
    }

    private static Optional<String> organOfSubject(byte[] subjectDer) {
        RDN[] commonNames = X500Name.getInstance(subjectDer).getRDNs(BCStyle.CN);
        // Several CNs, or a CN in a multi-valued RDN, would make "the" CN a matter of which one a reader picks.
        if (commonNames.length != 1 || commonNames[0].isMultiValued()
                || !(commonNames[0].getFirst().getValue() instanceof ASN1String cn)) {
            return Optional.empty();
        }
        return Optional.of(cn.getString());
    }

    /** True when the certificate speaks for exactly this organ and may sign for it. */
    public static boolean isBound(X509Certificate certificate, String organId) {
        return organOf(certificate).filter(organId::equals).isPresent()
                && CertificateUsage.signingProblem(certificate).isEmpty();
    }
}
