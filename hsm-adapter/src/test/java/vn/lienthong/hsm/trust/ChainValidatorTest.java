package vn.lienthong.hsm.trust;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import vn.lienthong.hsm.testing.TestCertificateAuthority;

class ChainValidatorTest {

    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private static final Instant NOT_BEFORE = NOW.minus(Duration.ofDays(1));
    private static final Instant NOT_AFTER = NOW.plus(Duration.ofDays(1));

    private static final TestCertificateAuthority ROOT = TestCertificateAuthority.root("Trusted Root");
    private static final TestCertificateAuthority ISSUING = ROOT.intermediate("Trusted Issuing");
    private static final TestCertificateAuthority OTHER_ROOT = TestCertificateAuthority.root("Other Root");
    private static final X509Certificate LEAF = ISSUING.issue("CN=000.00.00.G22,O=Agency,C=VN",
            TestCertificateAuthority.newKeyPair().getPublic(), NOT_BEFORE, NOT_AFTER);

    @Test
    void acceptsAChainThatLeadsToAnAnchorWithOrWithoutTheAnchorInIt() {
        assertDoesNotThrow(() -> ChainValidator.validate(List.of(LEAF, ISSUING.certificate()),
                List.of(ROOT.certificate()), NOW));
        assertDoesNotThrow(() -> ChainValidator.validate(ISSUING.chainOf(LEAF), List.of(ROOT.certificate()), NOW));
    }

    @Test
    void rejectsALeafThatHasExpiredAtTheTimeAsked() {
        Instant later = NOT_AFTER.plus(Duration.ofHours(1));

        var rejected = assertThrows(CertificateRejectedException.class,
                () -> ChainValidator.validate(ISSUING.chainOf(LEAF), List.of(ROOT.certificate()), later));

        assertEquals("certificate 'CN=000.00.00.G22,O=Agency,C=VN' expired on " + NOT_AFTER, rejected.getMessage());
    }

    @Test
    void rejectsALeafThatIsNotYetValidAtTheTimeAsked() {
        Instant earlier = NOT_BEFORE.minus(Duration.ofHours(1));

        var rejected = assertThrows(CertificateRejectedException.class,
                () -> ChainValidator.validate(ISSUING.chainOf(LEAF), List.of(ROOT.certificate()), earlier));

        assertEquals("certificate 'CN=000.00.00.G22,O=Agency,C=VN' is not valid before " + NOT_BEFORE,
                rejected.getMessage());
    }

    @Test
    void rejectsAChainThatNoTrustedAnchorIssued() {
        var rejected = assertThrows(CertificateRejectedException.class,
                () -> ChainValidator.validate(ISSUING.chainOf(LEAF), List.of(OTHER_ROOT.certificate()), NOW));

        assertEquals("the chain of 'CN=000.00.00.G22,O=Agency,C=VN' is not issued by a trusted anchor"
                + " (it ends at 'CN=Trusted Root,O=lienthong test,C=VN')", rejected.getMessage());
    }

    @Test
    void rejectsABrokenChainWhoseIntermediateDidNotIssueTheLeaf() {
        TestCertificateAuthority unrelated = ROOT.intermediate("Unrelated Issuing");

        var rejected = assertThrows(CertificateRejectedException.class,
                () -> ChainValidator.validate(List.of(LEAF, unrelated.certificate()), List.of(ROOT.certificate()),
                        NOW));

        assertEquals("broken chain: certificate 'CN=000.00.00.G22,O=Agency,C=VN' was not issued by"
                + " 'CN=Unrelated Issuing,O=lienthong test,C=VN'", rejected.getMessage());
    }

    @Test
    void rejectsEverythingWhenNoAnchorIsConfigured() {
        var rejected = assertThrows(CertificateRejectedException.class,
                () -> ChainValidator.validate(ISSUING.chainOf(LEAF), List.of(), NOW));

        assertEquals("no trust anchors are configured, so no chain can be trusted", rejected.getMessage());
    }

    @Test
    void rejectsAChainWhoseAnchorHasExpired() {
        Instant afterRootExpiry = ROOT.certificate().getNotAfter().toInstant().plus(Duration.ofDays(1));
        X509Certificate longLeaf = ROOT.issue("CN=long,C=VN", TestCertificateAuthority.newKeyPair().getPublic(),
                NOT_BEFORE, afterRootExpiry.plus(Duration.ofDays(1)));

        var rejected = assertThrows(CertificateRejectedException.class,
                () -> ChainValidator.validate(List.of(longLeaf), List.of(ROOT.certificate()), afterRootExpiry));

        assertEquals("the trust anchor 'CN=Trusted Root,O=lienthong test,C=VN' expired on "
                + ROOT.certificate().getNotAfter().toInstant(), rejected.getMessage());
    }

    @Test
    void validatesARememberedPathAgainWithoutRunningPkix() {
        X509Certificate leaf = newLeaf("CN=remembered,C=VN");
        ChainValidator.validate(ISSUING.chainOf(leaf), List.of(ROOT.certificate()), NOW);
        long runs = ChainValidator.pkixRuns();

        ChainValidator.validate(ISSUING.chainOf(leaf), List.of(OTHER_ROOT.certificate(), ROOT.certificate()),
                NOW.plusSeconds(60));

        assertEquals(runs, ChainValidator.pkixRuns());
    }

    @Test
    void refusesARememberedPathOnceALeafInItHasExpired() {
        X509Certificate leaf = newLeaf("CN=expires,C=VN");
        ChainValidator.validate(ISSUING.chainOf(leaf), List.of(ROOT.certificate()), NOW);

        var rejected = assertThrows(CertificateRejectedException.class, () -> ChainValidator.validate(
                ISSUING.chainOf(leaf), List.of(ROOT.certificate()), NOT_AFTER.plusMillis(1)));

        assertEquals("certificate 'CN=expires,C=VN' expired on " + NOT_AFTER, rejected.getMessage());
    }

    @Test
    void refusesARememberedPathBeforeItsLeafIsValid() {
        X509Certificate leaf = newLeaf("CN=early,C=VN");
        ChainValidator.validate(ISSUING.chainOf(leaf), List.of(ROOT.certificate()), NOW);

        assertThrows(CertificateRejectedException.class, () -> ChainValidator.validate(
                ISSUING.chainOf(leaf), List.of(ROOT.certificate()), NOT_BEFORE.minusMillis(1)));
    }

    @Test
    void refusesARememberedPathOnceItsAnchorIsNoLongerTrusted() {
        X509Certificate leaf = newLeaf("CN=anchor removed,C=VN");
        ChainValidator.validate(ISSUING.chainOf(leaf), List.of(ROOT.certificate()), NOW);

        var rejected = assertThrows(CertificateRejectedException.class, () -> ChainValidator.validate(
                ISSUING.chainOf(leaf), List.of(OTHER_ROOT.certificate()), NOW));

        assertTrue(rejected.getMessage().contains("is not issued by a trusted anchor"), rejected.getMessage());
    }

    @Test
    void refusesAChainThatCopiesTheNamesOfARememberedOneWithOtherKeys() {
        X509Certificate genuine = newLeaf("CN=000.00.00.H01,O=Agency,C=VN");
        ChainValidator.validate(ISSUING.chainOf(genuine), List.of(ROOT.certificate()), NOW);
        TestCertificateAuthority impostorIssuing = TestCertificateAuthority.root("Trusted Root")
                .intermediate("Trusted Issuing");
        X509Certificate impostor = impostorIssuing.issue("CN=000.00.00.H01,O=Agency,C=VN",
                TestCertificateAuthority.newKeyPair().getPublic(), NOT_BEFORE, NOT_AFTER);

        assertThrows(CertificateRejectedException.class, () -> ChainValidator.validate(
                List.of(impostor, impostorIssuing.certificate()), List.of(ROOT.certificate()), NOW));
    }

    @Test
    void refusesAnExpiredLeafOfTheSameIssuerAfterAnotherLeafWasRemembered() {
        ChainValidator.validate(ISSUING.chainOf(newLeaf("CN=fresh,C=VN")), List.of(ROOT.certificate()), NOW);
        X509Certificate expired = ISSUING.issue("CN=stale,C=VN", TestCertificateAuthority.newKeyPair().getPublic(),
                NOT_BEFORE.minus(Duration.ofDays(2)), NOT_BEFORE);

        assertThrows(CertificateRejectedException.class, () -> ChainValidator.validate(
                ISSUING.chainOf(expired), List.of(ROOT.certificate()), NOW));
    }

    private static X509Certificate newLeaf(String subject) {
        return ISSUING.issue(subject, TestCertificateAuthority.newKeyPair().getPublic(), NOT_BEFORE, NOT_AFTER);
    }
}
