package vn.lienthong.appliance.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import vn.lienthong.hsm.token.TokenKey;

class AnchorTrustManagerTest {

    private static final String AUTH = "UNKNOWN";

    private final TestPki pki = TestPki.create("Trusted Root");
    private final TestPki other = TestPki.create("Other Root");
    private final TokenKey peer = pki.softwareKey("peer", TestPki.Role.SERVER_AND_CLIENT);

    private static X509Certificate[] chain(TokenKey key) {
        return key.chain().toArray(X509Certificate[]::new);
    }

    @Test
    void acceptsAClientAndAServerWhoseChainLeadsToAnAnchor() throws Exception {
        AnchorTrustManager trust = new AnchorTrustManager(() -> List.of(pki.certificate()));
        trust.checkClientTrusted(chain(peer), AUTH);
        trust.checkServerTrusted(chain(peer), "ECDHE_ECDSA");
        // The anchor need not be sent: the leaf alone chains to it.
        trust.checkClientTrusted(new X509Certificate[] {peer.certificate()}, AUTH);
    }

    @Test
    void refusesAChainFromAnAuthorityThatIsNotAnAnchorWithAPlainSentence() {
        AnchorTrustManager trust = new AnchorTrustManager(() -> List.of(pki.certificate()));
        TokenKey stranger = other.softwareKey("stranger", TestPki.Role.CLIENT);
        CertificateException refused = assertThrows(CertificateException.class,
                () -> trust.checkClientTrusted(chain(stranger), AUTH));
        assertEquals("the peer certificate '" + stranger.certificate().getSubjectX500Principal().getName()
                + "' is not trusted: it does not chain to a configured trust anchor", refused.getMessage());
    }

    @Test
    void refusesAnExpiredCertificate() {
        AnchorTrustManager trust = new AnchorTrustManager(() -> List.of(pki.certificate()));
        TokenKey key = pki.softwareKey("placeholder", TestPki.Role.CLIENT);
        Instant past = Instant.now().minus(Duration.ofDays(3));
        X509Certificate expired = pki.issue(key.publicKey(), "expired", TestPki.Role.CLIENT, past,
                past.plus(Duration.ofDays(1)));
        CertificateException refused = assertThrows(CertificateException.class,
                () -> trust.checkClientTrusted(new X509Certificate[] {expired, pki.certificate()}, AUTH));
        assertTrue(refused.getMessage().endsWith("has expired"), refused.getMessage());
    }

    @Test
    void refusesAClientOnlyCertificatePresentedByAServer() throws Exception {
        AnchorTrustManager trust = new AnchorTrustManager(() -> List.of(pki.certificate()));
        TokenKey clientOnly = pki.softwareKey("client-only", TestPki.Role.CLIENT);
        trust.checkClientTrusted(chain(clientOnly), AUTH);
        assertThrows(CertificateException.class, () -> trust.checkServerTrusted(chain(clientOnly), "ECDHE_ECDSA"));
    }

    @Test
    void readsTheAnchorsAgainAtEveryCheckSoAnOperatorChangeNeedsNoRestart() throws Exception {
        AtomicReference<List<X509Certificate>> anchors = new AtomicReference<>(List.of(pki.certificate()));
        AnchorTrustManager trust = new AnchorTrustManager(anchors::get);
        TokenKey newcomer = other.softwareKey("newcomer", TestPki.Role.CLIENT);
        assertThrows(CertificateException.class, () -> trust.checkClientTrusted(chain(newcomer), AUTH));

        anchors.set(List.of(pki.certificate(), other.certificate()));
        trust.checkClientTrusted(chain(newcomer), AUTH);
        assertEquals(2, trust.getAcceptedIssuers().length);

        anchors.set(List.of(pki.certificate()));
        assertThrows(CertificateException.class, () -> trust.checkClientTrusted(chain(newcomer), AUTH));
        assertArrayEquals(new X509Certificate[] {pki.certificate()}, trust.getAcceptedIssuers());
    }

    @Test
    void refusesEveryPeerWhileNoAnchorIsConfigured() {
        AnchorTrustManager trust = new AnchorTrustManager(List::of);
        CertificateException refused = assertThrows(CertificateException.class,
                () -> trust.checkClientTrusted(chain(peer), AUTH));
        assertTrue(refused.getMessage().contains("no trust anchors are configured"), refused.getMessage());
        assertEquals(0, trust.getAcceptedIssuers().length);
    }

    @Test
    void runsTheExtraCheckOnlyOnAValidatedChainAndHonoursItsRefusal() throws Exception {
        AtomicInteger checked = new AtomicInteger();
        AnchorTrustManager trust = new AnchorTrustManager(() -> List.of(pki.certificate()), chain -> {
            checked.incrementAndGet();
            if (chain[0].getSubjectX500Principal().getName().contains("CN=revoked")) {
                throw new CertificateException("the certificate of 'revoked' has been revoked");
            }
        });
        trust.checkClientTrusted(chain(peer), AUTH);
        assertEquals(1, checked.get());

        TokenKey revoked = pki.softwareKey("revoked", TestPki.Role.CLIENT);
        CertificateException refused = assertThrows(CertificateException.class,
                () -> trust.checkClientTrusted(chain(revoked), AUTH));
        assertEquals("the certificate of 'revoked' has been revoked", refused.getMessage());
        assertEquals(2, checked.get());

        assertThrows(CertificateException.class,
                () -> trust.checkClientTrusted(chain(other.softwareKey("x", TestPki.Role.CLIENT)), AUTH));
        assertEquals(2, checked.get(), "the extra check must not run on an untrusted chain");
    }

    @Test
    void thePinIsTheLowerCaseHexSha256OfTheDerCertificate() throws Exception {
        String expected = HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(peer.certificate().getEncoded()));
        assertEquals(expected, PinnedServerTrustManager.pinOf(peer.certificate()));
        assertEquals(expected, new PinnedServerTrustManager(List::of, expected.toUpperCase()).pin());
    }

    @Test
    void pinnedTrustAcceptsOnlyThePinnedServerCertificateAndOnlyWhileItsAuthorityIsTrusted() throws Exception {
        AtomicReference<List<X509Certificate>> anchors = new AtomicReference<>(List.of(pki.certificate()));
        PinnedServerTrustManager pinned = new PinnedServerTrustManager(anchors::get,
                PinnedServerTrustManager.pinOf(peer.certificate()));
        pinned.checkServerTrusted(chain(peer), "ECDHE_ECDSA");

        TokenKey sameAuthority = pki.softwareKey("impostor", TestPki.Role.SERVER_AND_CLIENT);
        CertificateException wrongPin = assertThrows(CertificateException.class,
                () -> pinned.checkServerTrusted(chain(sameAuthority), "ECDHE_ECDSA"));
        assertTrue(wrongPin.getMessage().contains("routing directory pins " + pinned.pin()), wrongPin.getMessage());

        anchors.set(List.of(other.certificate()));
        assertThrows(CertificateException.class, () -> pinned.checkServerTrusted(chain(peer), "ECDHE_ECDSA"));
    }

    @Test
    void pinnedTrustRefusesMalformedPinsAndClientChecks() {
        assertThrows(IllegalArgumentException.class, () -> new PinnedServerTrustManager(List::of, "abc"));
        assertThrows(IllegalArgumentException.class, () -> new PinnedServerTrustManager(List::of, "z".repeat(64)));
        PinnedServerTrustManager pinned = new PinnedServerTrustManager(() -> List.of(pki.certificate()),
                PinnedServerTrustManager.pinOf(peer.certificate()));
        assertThrows(CertificateException.class, () -> pinned.checkClientTrusted(chain(peer), AUTH));
        assertFalse(pinned.pin().isEmpty());
    }
}
