package vn.lienthong.hsm.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.PublicKey;
import java.util.Optional;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import vn.lienthong.hsm.testing.TestCertificateAuthority;

class CertificateUsageTest {

    private static final TestCertificateAuthority CA = TestCertificateAuthority.root("Usage CA");
    private static final PublicKey KEY = TestCertificateAuthority.newKeyPair().getPublic();

    @Test
    void aSignerNeedsDigitalSignatureOrNonRepudiationWhenItHasAKeyUsage() {
        assertEquals(Optional.empty(), CertificateUsage.signingProblem(CA.issue("CN=a", KEY, KeyUsage.digitalSignature, null)));
        assertEquals(Optional.empty(), CertificateUsage.signingProblem(CA.issue("CN=a", KEY, KeyUsage.nonRepudiation, null)));
        assertEquals(Optional.empty(), CertificateUsage.signingProblem(CA.issue("CN=a", KEY, 0, null)));
        assertEquals(Optional.of("'CN=a' does not allow signing: its keyUsage has neither digitalSignature nor"
                + " nonRepudiation"), CertificateUsage.signingProblem(CA.issue("CN=a", KEY, KeyUsage.keyAgreement, null)));
    }

    @Test
    void aTlsCertificateThatNamesExtendedKeyUsagesMustNameItsRole() {
        var both = CA.issue("CN=t", KEY, KeyUsage.digitalSignature, null, KeyPurposeId.id_kp_serverAuth,
                KeyPurposeId.id_kp_clientAuth);
        var clientOnly = CA.issue("CN=t", KEY, KeyUsage.digitalSignature, null, KeyPurposeId.id_kp_clientAuth);
        var serverOnly = CA.issue("CN=t", KEY, KeyUsage.digitalSignature, null, KeyPurposeId.id_kp_serverAuth);
        var any = CA.issue("CN=t", KEY, KeyUsage.digitalSignature, null, KeyPurposeId.anyExtendedKeyUsage);
        var none = CA.issue("CN=t", KEY, KeyUsage.digitalSignature, null);

        assertEquals(Optional.empty(), CertificateUsage.tlsProblem(both, true, true));
        assertEquals(Optional.empty(), CertificateUsage.tlsProblem(clientOnly, false, true));
        assertTrue(CertificateUsage.tlsProblem(clientOnly, true, true).orElseThrow().contains("lacks serverAuth"));
        assertTrue(CertificateUsage.tlsProblem(serverOnly, true, true).orElseThrow().contains("lacks clientAuth"));
        assertEquals(Optional.empty(), CertificateUsage.tlsProblem(any, true, true));
        assertEquals(Optional.empty(), CertificateUsage.tlsProblem(none, true, true));
    }
}
