package vn.lienthong.appliance.envelope;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import vn.lienthong.hsm.batch.BatchRoot;
import vn.lienthong.hsm.batch.BatchSigner;
import vn.lienthong.hsm.batch.MerkleTree;
import vn.lienthong.hsm.cms.CmsSigner;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.testing.TestCertificateAuthority;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;

/**
 * Two organs on one real SoftHSM2 token, as tenants of a shared appliance: the sender
 * {@code 000.00.00.G22} (RSA key) and the recipient {@code 000.00.00.H41} (EC key), each with a
 * certificate whose subject CN is its organ id, issued by a software test root. Create it in
 * {@code @BeforeAll}, before anything else opens a token, and close it in {@code @AfterAll}.
 */
public final class TestOrgans implements AutoCloseable {

    public static final String SENDER = "000.00.00.G22";
    public static final String RECIPIENT = "000.00.00.H41";

    public final SoftHsmTestToken softHsm;
    public final Token token;
    public final TestCertificateAuthority root;
    public final TokenKey sender;
    public final TokenKey recipient;
    public final CmsSigner cms;

    private TestOrgans(String prefix) {
        softHsm = SoftHsmTestToken.create(prefix);
        token = Token.open(softHsm.config());
        root = TestCertificateAuthority.root("Lienthong Test Root");
        sender = certify("g22", KeyAlgorithm.RSA_2048, SENDER, root, Instant.now().minus(Duration.ofHours(1)),
                Instant.now().plus(Duration.ofDays(30)));
        recipient = certify("h41", KeyAlgorithm.EC_P256, RECIPIENT, root, Instant.now().minus(Duration.ofHours(1)),
                Instant.now().plus(Duration.ofDays(30)));
        cms = new CmsSigner(token.provider());
    }

    public static TestOrgans create(String prefix) {
        return new TestOrgans(prefix);
    }

    /** A new key in the token with a certificate for the organ from the CA, valid as given. */
    public TokenKey certify(String alias, KeyAlgorithm algorithm, String organId, TestCertificateAuthority ca,
                            Instant notBefore, Instant notAfter) {
        TokenKey key = token.generateKey(alias, algorithm);
        X509Certificate leaf = ca.issue("CN=" + organId + ",O=lienthong test,C=VN", key.publicKey(), notBefore, notAfter);
        return token.storeChain(alias, ca.chainOf(leaf));
    }

    /** The roots the verifiers trust. */
    public List<X509Certificate> anchors() {
        return List.of(root.certificate());
    }

    /** A header from the sender to the recipient for this payload. */
    public static EnvelopeHeader header(String messageId, byte[] payload) {
        return EnvelopeHeader.of(messageId, SENDER, List.of(RECIPIENT), Instant.now(), "application/xml", payload);
    }

    /** An edXML-like payload; its content does not matter to the envelope. */
    public static byte[] payload(String text) {
        return ("<edXML><Subject>" + text + "</Subject></edXML>").getBytes(StandardCharsets.UTF_8);
    }

    /** An envelope sealed by the sender's key. */
    public Envelope sealed(String messageId, byte[] payload) {
        return new EnvelopeSealer(cms).seal(header(messageId, payload), payload, sender);
    }

    /**
     * Envelopes from the sender signed as one batch, as {@link vn.lienthong.hsm.batch.BatchSigner}
     * signs what waits: one CMS signature over the root of a Merkle tree of their headers' SHA-256.
     */
    public List<Envelope> batchSealed(String messageIdPrefix, int count) {
        List<EnvelopeHeader> headers = new java.util.ArrayList<>();
        List<byte[]> payloads = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            byte[] payload = payload(messageIdPrefix + " " + i);
            payloads.add(payload);
            headers.add(header(messageIdPrefix + "-" + i, payload));
        }
        MerkleTree tree = MerkleTree.of(headers.stream().map(h -> BatchSigner.entry(h.toBytes())).toList());
        BatchRoot root = BatchRoot.of(tree);
        byte[] signature = cms.signDetached(sender, root.encode());
        List<Envelope> envelopes = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            envelopes.add(new Envelope(headers.get(i).toBytes(), payloads.get(i), signature,
                    EnvelopeBatch.of(root, tree.proof(i))));
        }
        return envelopes;
    }

    /** The recipient's signed receipt for an envelope, received now. */
    public SignedReceipt receiptFor(Envelope envelope) {
        return new ReceiptSigner(cms).sign(Receipt.forEnvelope(envelope, RECIPIENT, Instant.now()), recipient);
    }

    @Override
    public void close() {
        token.close();
        softHsm.close();
    }
}
