package vn.lienthong.hsm.trust;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import vn.lienthong.hsm.testing.TestCertificateAuthority;

class RevocationListsTest {

    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private static final TestCertificateAuthority ROOT = TestCertificateAuthority.root("Revoking Root");
    private static final TestCertificateAuthority ISSUING = ROOT.intermediate("Revoking Issuing");
    private static final TestCertificateAuthority OTHER_ROOT = TestCertificateAuthority.root("Revoking Root");
    private static final X509Certificate LEAF = leaf("CN=000.00.00.G22,O=Agency,C=VN");
    private static final X509Certificate OTHER_LEAF = leaf("CN=000.00.00.H41,O=Agency,C=VN");
    private static final List<X509Certificate> ANCHORS = List.of(ROOT.certificate());

    private static X509Certificate leaf(String subject) {
        return ISSUING.issue(subject, TestCertificateAuthority.newKeyPair().getPublic(),
                NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(1)));
    }

    private static RevocationLists held(X509CRL crl) {
        return new RevocationLists(List.of(CrlIssuer.verify(crl, ANCHORS, ISSUING.chain(), RevocationCheck.NONE, NOW)));
    }

    @Test
    void refusesAChainWhoseLeafIsListedOnItsIssuersCrl() {
        RevocationLists crls = held(ISSUING.crl(NOW.minusSeconds(60), NOW.plus(Duration.ofDays(7)), LEAF));

        var refused = assertThrows(CertificateRevokedException.class,
                () -> ChainValidator.validate(ISSUING.chainOf(LEAF), ANCHORS, crls, NOW));

        assertTrue(refused.getMessage().startsWith("certificate 'CN=000.00.00.G22,O=Agency,C=VN' (serial "),
                refused.getMessage());
        assertTrue(refused.getMessage().contains("was revoked by 'CN=Revoking Issuing"), refused.getMessage());
        assertDoesNotThrow(() -> ChainValidator.validate(ISSUING.chainOf(OTHER_LEAF), ANCHORS, crls, NOW));
    }

    @Test
    void refusesAChainWhoseIntermediateIsListedOnTheRootsCrlEvenAfterItValidatedOnce() {
        ChainValidator.validate(ISSUING.chainOf(OTHER_LEAF), ANCHORS, RevocationLists.EMPTY, NOW);
        RevocationLists crls = held(ROOT.crl(NOW.minusSeconds(60), NOW.plus(Duration.ofDays(7)),
                ISSUING.certificate()));

        assertThrows(CertificateRevokedException.class,
                () -> ChainValidator.validate(ISSUING.chainOf(OTHER_LEAF), ANCHORS, crls, NOW));
    }

    @Test
    void failsClosedWhileTheIssuersCrlIsPastItsNextUpdate() {
        RevocationLists crls = held(ISSUING.crl(NOW.minus(Duration.ofDays(8)), NOW.minus(Duration.ofDays(1))));

        var refused = assertThrows(CrlOutOfDateException.class,
                () -> ChainValidator.validate(ISSUING.chainOf(OTHER_LEAF), ANCHORS, crls, NOW));

        assertTrue(refused.getMessage().contains("was due to be renewed at"), refused.getMessage());
        // An issuer without a CRL held is not checked at all.
        X509Certificate rootLeaf = ROOT.issue("CN=direct", TestCertificateAuthority.newKeyPair().getPublic(),
                NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(1)));
        assertDoesNotThrow(() -> ChainValidator.validate(ROOT.chainOf(rootLeaf), ANCHORS, crls, NOW));
    }

    @Test
    void aCrlCountsOnlyForTheIssuerWhoseKeySignedIt() {
        // Same name as the anchor, other key: its CRL says nothing about the anchor's certificates.
        X509CRL impostor = OTHER_ROOT.crl(NOW.minusSeconds(60), NOW.plus(Duration.ofDays(7)), ISSUING.certificate());

        var refused = assertThrows(CertificateRejectedException.class,
                () -> CrlIssuer.verify(impostor, ANCHORS, List.of(), RevocationCheck.NONE, NOW));

        assertEquals("the CRL of 'CN=Revoking Root,O=lienthong test,C=VN' is not signed by a trust anchor;"
                + " add its CA with 'provision trust add', or give the intermediate CA's certificate", refused.getMessage());
    }

    @Test
    void refusesACrlOfAnIntermediateThatDoesNotChainToAnAnchor() {
        X509CRL crl = ISSUING.crl(NOW.minusSeconds(60), NOW.plus(Duration.ofDays(7)));

        var refused = assertThrows(CertificateRejectedException.class,
                () -> CrlIssuer.verify(crl, List.of(OTHER_ROOT.certificate()), ISSUING.chain(), RevocationCheck.NONE, NOW));

        assertTrue(refused.getMessage().startsWith("the CRL of 'CN=Revoking Issuing,O=lienthong test,C=VN' is signed"
                + " by an intermediate CA that is not trusted"), refused.getMessage());
    }
}
