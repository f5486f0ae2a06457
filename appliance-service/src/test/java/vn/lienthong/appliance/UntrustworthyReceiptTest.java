package vn.lienthong.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.x500.X500Name;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.appliance.axis.transport.AxisResponse;
import vn.lienthong.appliance.axis.transport.AxisServer;
import vn.lienthong.appliance.axis.transport.AxisServerSettings;
import vn.lienthong.appliance.demo.ApplianceSetup;
import vn.lienthong.appliance.demo.ApplianceSetup.TenantSpec;
import vn.lienthong.appliance.demo.DemoCa;
import vn.lienthong.appliance.demo.DocumentSystemClient;
import vn.lienthong.appliance.envelope.Envelope;
import vn.lienthong.appliance.envelope.EnvelopeCodec;
import vn.lienthong.appliance.envelope.Receipt;
import vn.lienthong.appliance.envelope.SignedReceipt;
import vn.lienthong.appliance.tls.AnchorTrustManager;
import vn.lienthong.appliance.tls.TlsHandshakeListener;
import vn.lienthong.hsm.cms.CmsSigner;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;

/**
 * The forwarder never takes a delivery as done on a receipt that does not verify: a tampered
 * receipt, or one signed by another organ than the recipient, leaves the delivery pending and
 * retried, and the first genuine receipt completes it.
 */
class UntrustworthyReceiptTest {

    static final String G22 = "000.00.00.G22";
    static final String H41 = "000.00.00.H41";

    enum Mode { TAMPERED, WRONG_SIGNER, GENUINE }

    @TempDir
    static Path dir;
    static SoftHsmTestToken tokenA;
    static SoftHsmTestToken tokenPeer;
    static Token peer;
    static AxisServer peerAxis;
    static TestAppliance a;
    static DocumentSystemClient g22;
    static volatile Mode mode = Mode.TAMPERED;
    /** Receipts the peer served, by kind. */
    static final Map<Mode, AtomicInteger> served = new EnumMap<>(Map.of(Mode.TAMPERED, new AtomicInteger(),
            Mode.WRONG_SIGNER, new AtomicInteger(), Mode.GENUINE, new AtomicInteger()));

    @BeforeAll
    static void start() throws Exception {
        tokenA = SoftHsmTestToken.create("a");
        tokenPeer = SoftHsmTestToken.create("peer");
        DemoCa ca = DemoCa.create("test CA");
        Path root = dir.resolve("root.pem");
        Files.writeString(root, DemoCa.pem(ca.root()));

        // A stand-in for H41's appliance that answers with whatever receipt the test wants.
        peer = Token.open(tokenPeer.config());
        TokenKey tls = certified(peer, "tls", ca, "CN=peer", DemoCa.Profile.TLS);
        TokenKey h41 = certified(peer, "sign-" + H41, ca, "CN=" + H41 + ",C=VN", DemoCa.Profile.SIGNING);
        TokenKey other = certified(peer, "sign-other", ca, "CN=000.00.00.H14,C=VN", DemoCa.Profile.SIGNING);
        CmsSigner cms = new CmsSigner(peer.provider());
        peerAxis = AxisServer.start(AxisServerSettings.of("127.0.0.1", 0), tls,
                new AnchorTrustManager(() -> List.of(ca.root())), request -> {
                    Mode current = mode;
                    Envelope envelope = EnvelopeCodec.decode(request.body(), Integer.MAX_VALUE);
                    Receipt receipt = Receipt.forEnvelope(envelope, H41, Instant.now());
                    // Signed directly, not with ReceiptSigner, which would refuse another organ's key.
                    SignedReceipt signed = new SignedReceipt(receipt.toBytes(),
                            cms.signDetached(current == Mode.WRONG_SIGNER ? other : h41, receipt.toBytes()));
                    if (current == Mode.TAMPERED) {
                        // Well-formed, but not what was signed: the receipt's time moved by a second.
                        Receipt altered = new Receipt(receipt.messageId(), receipt.headerSha256(),
                                receipt.receivedAt().plusSeconds(1), receipt.recipient());
                        signed = new SignedReceipt(altered.toBytes(), signed.signature());
                    }
                    served.get(current).incrementAndGet();
                    return AxisResponse.of(200, SignedReceipt.MEDIA_TYPE, signed.encode());
                }, TlsHandshakeListener.NONE);

        a = TestAppliance.provision("a", dir, tokenA, ca, root, List.of(new TenantSpec(G22, "Văn phòng Chính phủ",
                "ecp256")));
        Path directory = dir.resolve("directory.json");
        Files.writeString(directory, ApplianceSetup.directoryJson(List.of(
                new ApplianceSetup.Route(G22, "https://127.0.0.1:1", "00".repeat(32)),
                new ApplianceSetup.Route(H41, "https://127.0.0.1:" + peerAxis.port(),
                        vn.lienthong.hsm.cert.Pem.sha256Fingerprint(tls.certificate())))));
        TestAppliance.cli(a.config, List.of("directory", "import", directory.toString()));
        a.start();
        g22 = a.documentSystem(G22, ca);
    }

    @AfterAll
    static void stop() {
        TestAppliance.closeAll(g22, a, peerAxis, peer, tokenA, tokenPeer);
    }

    @Test
    void keepsRetryingUntilAGenuineReceiptComesBack() throws Exception {
        String id = g22.submit(TwoAppliancesTest.edxml(G22, List.of(H41), "biên nhận")).json().path("id").asText();

        // Counted by receipts the peer served, not by attempts: under load an attempt can also fail otherwise.
        awaitServed(Mode.TAMPERED, 2, id);
        mode = Mode.WRONG_SIGNER;
        awaitServed(Mode.WRONG_SIGNER, 2, id);
        mode = Mode.GENUINE;
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (!recipient(id).path("status").asText().equals("delivered")) {
            assertTrue(Instant.now().isBefore(deadline), "not delivered after the genuine receipt");
            Thread.sleep(50);
        }
        double badReceipts = TwoAppliancesTest.metric(a, "lienthong_delivery_attempts_total", "outcome=\"bad-receipt\"");
        assertTrue(badReceipts >= 4, "bad-receipt attempts counted: " + badReceipts);
    }

    /** Waits until the peer served {@code count} receipts of this kind, the delivery never done meanwhile. */
    private static void awaitServed(Mode kind, int count, String id) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (served.get(kind).get() < count) {
            JsonNode state = recipient(id);
            assertTrue(List.of("queued", "in-flight").contains(state.path("status").asText()),
                    "a " + kind + " receipt must never complete a delivery: " + state);
            assertTrue(Instant.now().isBefore(deadline), "fewer than " + count + " " + kind + " receipts: " + state);
            Thread.sleep(50);
        }
        JsonNode state = recipient(id);
        assertTrue(List.of("queued", "in-flight").contains(state.path("status").asText()),
                "a " + kind + " receipt must never complete a delivery: " + state);
    }

    private static JsonNode recipient(String id) throws Exception {
        return g22.outboxStatus(id).json().path("recipients").get(0);
    }

    private static TokenKey certified(Token token, String alias, DemoCa ca, String subject, DemoCa.Profile profile) {
        TokenKey key = token.generateKey(alias, KeyAlgorithm.EC_P256);
        X509Certificate cert = ca.issue(new X500Name(subject), key.publicKey(), profile, List.of("localhost"),
                List.of("127.0.0.1"));
        return token.storeChain(alias, List.of(cert, ca.root()));
    }
}
