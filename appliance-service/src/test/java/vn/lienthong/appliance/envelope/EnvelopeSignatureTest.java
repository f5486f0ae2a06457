package vn.lienthong.appliance.envelope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import vn.lienthong.appliance.envelope.EnvelopeRejectedException.Reason;
import vn.lienthong.hsm.testing.TestCertificateAuthority;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.TokenKey;

class EnvelopeSignatureTest {

    private static TestOrgans organs;
    private static EnvelopeSealer sealer;
    private final EnvelopeVerifier verifier = new EnvelopeVerifier();
    private final ReceiptVerifier receiptVerifier = new ReceiptVerifier();

    @BeforeAll
    static void twoOrgansOnOneToken() {
        organs = TestOrgans.create("envelope");
        sealer = new EnvelopeSealer(organs.cms);
    }

    @AfterAll
    static void removeToken() {
        organs.close();
    }

    private static void assertRejected(Reason reason, Executable check) {
        EnvelopeRejectedException e = assertThrows(EnvelopeRejectedException.class, check);
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(!e.getMessage().isBlank() && !e.getMessage().contains("\n"), e.getMessage());
    }

    private VerifiedEnvelope verify(Envelope envelope, Collection<X509Certificate> anchors) {
        return verifier.verify(envelope, anchors, Instant.now());
    }

    @Test
    void sealsEncodesDecodesAndVerifiesAnEnvelope() {
        byte[] payload = TestOrgans.payload("round trip");
        EnvelopeHeader header = TestOrgans.header("round-trip-1", payload);

        Envelope sealed = sealer.seal(header, payload, organs.sender);
        Envelope received = EnvelopeCodec.decode(EnvelopeCodec.encode(sealed), 1 << 20);
        VerifiedEnvelope verified = verify(received, organs.anchors());

        assertEquals(header, verified.header());
        assertArrayEquals(payload, verified.envelope().payload());
        assertEquals(organs.sender.certificate(), verified.signer().certificate());
        assertEquals(organs.root.certificate(), verified.signer().anchor());
        assertEquals(TestOrgans.SENDER, OrganBinding.organOf(verified.signer().certificate()).orElseThrow());
    }

    @Test
    void rejectsAnEnvelopeWhoseHeaderWasChangedAfterSigning() {
        Envelope sealed = organs.sealed("tampered-header", TestOrgans.payload("x"));
        EnvelopeHeader original = sealed.header();
        EnvelopeHeader redirected = new EnvelopeHeader(original.messageId(), original.sender(), List.of("000.00.00.H14"),
                original.createdAt(), original.contentType(), original.payloadSha256());

        Envelope tampered = new Envelope(redirected.toBytes(), sealed.payload(), sealed.signature());

        assertRejected(Reason.BAD_SIGNATURE, () -> verify(tampered, organs.anchors()));
    }

    @Test
    void rejectsAnEnvelopeWhosePayloadWasChanged() {
        Envelope sealed = organs.sealed("tampered-payload", TestOrgans.payload("original"));
        Envelope tampered = new Envelope(sealed.headerBytes(), TestOrgans.payload("forged"), sealed.signature());

        assertRejected(Reason.PAYLOAD_DIGEST_MISMATCH, () -> verify(tampered, organs.anchors()));
    }

    @Test
    void rejectsAnEnvelopeWhoseSignerIsNotTheSenderOrgan() {
        byte[] payload = TestOrgans.payload("impostor");
        byte[] headerBytes = TestOrgans.header("impostor-1", payload).toBytes();
        // H41's valid, trusted key signs a header that claims to come from G22.
        Envelope forged = new Envelope(headerBytes, payload, organs.cms.signDetached(organs.recipient, headerBytes));

        assertRejected(Reason.SIGNER_NOT_SENDER, () -> verify(forged, organs.anchors()));
    }

    @Test
    void rejectsAnEnvelopeSignedUnderAnUntrustedAuthority() {
        TestCertificateAuthority rogue = TestCertificateAuthority.root("Lienthong Test Root");
        TokenKey rogueKey = organs.certify("rogue-g22", KeyAlgorithm.EC_P256, TestOrgans.SENDER, rogue,
                Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1)));
        byte[] payload = TestOrgans.payload("rogue");

        Envelope sealed = sealer.seal(TestOrgans.header("rogue-1", payload), payload, rogueKey);

        assertRejected(Reason.UNTRUSTED_SIGNER, () -> verify(sealed, organs.anchors()));
        assertRejected(Reason.UNTRUSTED_SIGNER, () -> verify(sealed, List.of()));
    }

    @Test
    void rejectsAnEnvelopeWhoseSignerCertificateHasExpiredAtVerification() {
        TokenKey shortLived = organs.certify("short-g22", KeyAlgorithm.EC_P256, TestOrgans.SENDER, organs.root,
                Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofHours(1)));
        byte[] payload = TestOrgans.payload("late");
        Envelope sealed = sealer.seal(TestOrgans.header("late-1", payload), payload, shortLived);

        verifier.verify(sealed, organs.anchors(), Instant.now());
        assertRejected(Reason.EXPIRED_SIGNER,
                () -> verifier.verify(sealed, organs.anchors(), Instant.now().plus(Duration.ofHours(2))));
    }

    @Test
    void rejectsAnEnvelopeWhoseSignerCertificateDoesNotAllowSigning() {
        TokenKey key = organs.token.generateKey("encipher-g22", KeyAlgorithm.EC_P256);
        X509Certificate leaf = organs.root.issue("CN=" + TestOrgans.SENDER + ",O=lienthong test,C=VN", key.publicKey(),
                org.bouncycastle.asn1.x509.KeyUsage.keyAgreement, null);
        TokenKey keyAgreementOnly = organs.token.storeChain("encipher-g22", organs.root.chainOf(leaf));
        byte[] payload = TestOrgans.payload("usage");
        // The sealer refuses such a key too; signed by hand, as a careless or hostile peer would.
        byte[] headerBytes = TestOrgans.header("usage-1", payload).toBytes();
        Envelope sealed = new Envelope(headerBytes, payload, organs.cms.signDetached(keyAgreementOnly, headerBytes));

        assertRejected(Reason.SIGNER_KEY_USAGE, () -> verify(sealed, organs.anchors()));
    }

    @Test
    void rejectsAnEnvelopeWhoseSignerIsOnAHeldCrlOrWhoseIssuersCrlIsOutOfDate() {
        TokenKey revoked = organs.certify("revoked-g22", KeyAlgorithm.EC_P256, TestOrgans.SENDER, organs.root,
                Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1)));
        byte[] payload = TestOrgans.payload("revoked");
        Envelope sealed = sealer.seal(TestOrgans.header("revoked-1", payload), payload, revoked);
        var held = vn.lienthong.hsm.trust.CrlIssuer.verify(organs.root.crl(Instant.now().minusSeconds(5),
                Instant.now().plus(Duration.ofDays(1)), revoked.certificate()), organs.anchors(), List.of(),
                vn.lienthong.hsm.trust.RevocationCheck.NONE, Instant.now());
        var crls = new vn.lienthong.hsm.trust.RevocationLists(List.of(held));

        assertRejected(Reason.CERTIFICATE_REVOKED, () -> verifier.verify(sealed, organs.anchors(), crls, Instant.now()));
        assertRejected(Reason.CRL_OUT_OF_DATE, () -> verifier.verify(organs.sealed("stale-1", payload),
                organs.anchors(), crls, Instant.now().plus(Duration.ofDays(2))));
    }

    @Test
    void rejectsASignatureThatIsNotCms() {
        Envelope sealed = organs.sealed("garbage-signature", TestOrgans.payload("x"));
        Envelope garbage = new Envelope(sealed.headerBytes(), sealed.payload(), new byte[] {0x30, 0x03, 0x02, 0x01, 0x00});

        assertRejected(Reason.BAD_SIGNATURE, () -> verify(garbage, organs.anchors()));
    }

    @Test
    void refusesToSealAPayloadTheHeaderDoesNotDescribe() {
        EnvelopeHeader header = TestOrgans.header("mismatch", TestOrgans.payload("a"));

        assertThrows(IllegalArgumentException.class, () -> sealer.seal(header, TestOrgans.payload("b"), organs.sender));
    }

    @Test
    void refusesToSealWithAnotherOrgansKey() {
        byte[] payload = TestOrgans.payload("a");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> sealer.seal(TestOrgans.header("wrong-key", payload), payload, organs.recipient));
        assertTrue(e.getMessage().contains("not of the sender organ 000.00.00.G22"), e.getMessage());
    }

    @Test
    void verifiesAReceiptFromTheRecipientForTheEnvelopeSent() {
        Envelope sent = organs.sealed("receipt-1", TestOrgans.payload("x"));
        SignedReceipt signed = organs.receiptFor(sent);

        SignedReceipt received = SignedReceipt.decode(signed.encode());
        VerifiedReceipt verified = receiptVerifier.verify(received, sent, TestOrgans.RECIPIENT, organs.anchors(),
                Instant.now());

        assertEquals("receipt-1", verified.receipt().messageId());
        assertEquals(sent.headerSha256(), verified.receipt().headerSha256());
        assertEquals(organs.recipient.certificate(), verified.signer().certificate());
    }

    @Test
    void rejectsAReceiptChangedAfterSigning() {
        Envelope sent = organs.sealed("receipt-2", TestOrgans.payload("x"));
        SignedReceipt signed = organs.receiptFor(sent);
        Receipt original = signed.receipt();
        Receipt backdated = new Receipt(original.messageId(), original.headerSha256(),
                original.receivedAt().minus(Duration.ofDays(1)), original.recipient());

        SignedReceipt tampered = new SignedReceipt(backdated.toBytes(), signed.signature());

        assertRejected(Reason.BAD_SIGNATURE, () -> receiptVerifier.verify(tampered, sent, TestOrgans.RECIPIENT,
                organs.anchors(), Instant.now()));
    }

    @Test
    void rejectsAReceiptSignedByAnotherOrganThanTheRecipient() {
        Envelope sent = organs.sealed("receipt-3", TestOrgans.payload("x"));
        byte[] receipt = Receipt.forEnvelope(sent, TestOrgans.RECIPIENT, Instant.now()).toBytes();
        SignedReceipt bySender = new SignedReceipt(receipt, organs.cms.signDetached(organs.sender, receipt));

        assertRejected(Reason.SIGNER_NOT_RECIPIENT, () -> receiptVerifier.verify(bySender, sent, TestOrgans.RECIPIENT,
                organs.anchors(), Instant.now()));
    }

    @Test
    void rejectsAReceiptForAnotherEnvelope() {
        Envelope sent = organs.sealed("receipt-4", TestOrgans.payload("x"));
        Envelope other = organs.sealed("receipt-5", TestOrgans.payload("y"));
        SignedReceipt forOther = organs.receiptFor(other);

        assertRejected(Reason.RECEIPT_MISMATCH, () -> receiptVerifier.verify(forOther, sent, TestOrgans.RECIPIENT,
                organs.anchors(), Instant.now()));
    }

    @Test
    void rejectsAReceiptFromAnOrganOtherThanTheOneExpected() {
        Envelope sent = organs.sealed("receipt-6", TestOrgans.payload("x"));
        SignedReceipt signed = organs.receiptFor(sent);

        assertRejected(Reason.RECEIPT_MISMATCH, () -> receiptVerifier.verify(signed, sent, "000.00.00.H14",
                organs.anchors(), Instant.now()));
    }
}
