package vn.lienthong.appliance.envelope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import vn.lienthong.hsm.testing.TestCertificateAuthority;

class OrganBindingTest {

    private static final TestCertificateAuthority CA = TestCertificateAuthority.root("Organ Binding Root");
    private static final Instant NOW = Instant.now();

    private static X509Certificate certificate(String subject) {
        return CA.issue(subject, TestCertificateAuthority.newKeyPair().getPublic(),
                NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(1)));
    }

    @Test
    void readsTheOrganFromTheSubjectsOnlyCommonNameEveryTimeItIsAsked() {
        X509Certificate organ = certificate("CN=000.00.00.G22,O=Agency,C=VN");

        assertEquals(Optional.of("000.00.00.G22"), OrganBinding.organOf(organ));
        assertEquals(Optional.of("000.00.00.G22"), OrganBinding.organOf(organ));
        assertTrue(OrganBinding.isBound(organ, "000.00.00.G22"));
    }

    @Test
    void tellsApartSubjectsThatDifferOnlyInCaseAfterEitherWasRemembered() {
        X509Certificate upper = certificate("CN=000.00.00.H41,C=VN");
        X509Certificate lower = certificate("CN=000.00.00.h41,C=VN");

        assertTrue(OrganBinding.isBound(upper, "000.00.00.H41"));

        assertFalse(OrganBinding.isBound(lower, "000.00.00.H41"));
        assertEquals(Optional.of("000.00.00.h41"), OrganBinding.organOf(lower));
    }

    @Test
    void bindsNoOrganToASubjectWithTwoCommonNamesAfterASingleOneWasRemembered() {
        OrganBinding.organOf(certificate("CN=000.00.00.G22,C=VN"));

        assertEquals(Optional.empty(), OrganBinding.organOf(certificate("CN=000.00.00.G22,CN=000.00.00.H41,C=VN")));
    }

    @Test
    void bindsNoOrganToACertificateWhoseKeyUsageDoesNotAllowSigning() {
        var key = TestCertificateAuthority.newKeyPair().getPublic();
        X509Certificate encipherOnly = CA.issue("CN=000.00.00.G22,C=VN", key,
                org.bouncycastle.asn1.x509.KeyUsage.keyEncipherment, null);
        X509Certificate nonRepudiation = CA.issue("CN=000.00.00.G22,C=VN", key,
                org.bouncycastle.asn1.x509.KeyUsage.nonRepudiation, null);

        assertFalse(OrganBinding.isBound(encipherOnly, "000.00.00.G22"));
        assertTrue(OrganBinding.isBound(nonRepudiation, "000.00.00.G22"));
    }
}
