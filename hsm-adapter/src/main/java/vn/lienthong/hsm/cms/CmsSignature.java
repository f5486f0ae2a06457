package vn.lienthong.hsm.cms;

import java.security.cert.X509Certificate;
import java.util.List;

/** What a verified CMS signature says: who signed (the leaf) and the certificates it carried. */
public record CmsSignature(X509Certificate signer, List<X509Certificate> certificates) {
    public CmsSignature {
        certificates = List.copyOf(certificates);
    }
}
