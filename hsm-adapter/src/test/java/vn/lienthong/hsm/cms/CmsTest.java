package vn.lienthong.hsm.cms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.SignerInformation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.quicktheories.generators.Generate;
import vn.lienthong.hsm.cert.Csr;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.hsm.testing.ChildProcess;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.testing.TestCertificateAuthority;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;

class CmsTest {

    private static final byte[] HEADER = """
            {"id":"7f1c","from":"000.00.00.G22","to":["000.00.01.H29"],"sha256":"9f86d08"}"""
            .getBytes(StandardCharsets.UTF_8);

    private static SoftHsmTestToken softHsm;
    private static Token token;
    private static TestCertificateAuthority root;
    private static TokenKey rsa;
    private static TokenKey ec;
    private static CmsSigner signer;

    @TempDir
    Path dir;

    @BeforeAll
    static void issueCertificatesToTokenKeys() {
        softHsm = SoftHsmTestToken.create("cms");
        token = Token.open(softHsm.config());
        root = TestCertificateAuthority.root("Test Root CA");
        TestCertificateAuthority issuing = root.intermediate("Test Issuing CA");
        rsa = certify(issuing, token.generateKey("rsa", KeyAlgorithm.RSA_2048), "CN=000.00.00.G22,O=Agency A,C=VN");
        ec = certify(issuing, token.generateKey("ec", KeyAlgorithm.EC_P256), "CN=000.00.01.H29,O=Agency B,C=VN");
        signer = new CmsSigner(token.provider());
    }

    private static TokenKey certify(TestCertificateAuthority ca, TokenKey key, String subject) {
        String csr = Csr.pem(key, token.provider(), subject, List.of(), List.of());
        return token.storeChain(key.alias(), ca.chainOf(ca.issue(csr)));
    }

    @AfterAll
    static void closeToken() {
        token.close();
        softHsm.close();
    }

    private static TokenKey key(String alias) {
        return alias.equals("rsa") ? rsa : ec;
    }

    @ParameterizedTest
    @ValueSource(strings = {"rsa", "ec"})
    void detachedSignatureVerifiesAndNamesItsSigner(String alias) {
        TokenKey key = key(alias);

        CmsSignature verified = CmsVerifier.verifyDetached(signer.signDetached(key, HEADER), HEADER);

        assertEquals(key.certificate(), verified.signer());
        assertTrue(verified.certificates().containsAll(key.chain()), "the whole chain travels with the signature");
    }

    @ParameterizedTest
    @ValueSource(strings = {"rsa", "ec"})
    void opensslVerifiesTheSignatureAgainstTheRootAlone(String alias) throws Exception {
        Path signature = Files.write(dir.resolve("sig.p7s"), signer.signDetached(key(alias), HEADER));
        Path content = Files.write(dir.resolve("data"), HEADER);
        Path rootPem = Files.writeString(dir.resolve("root.pem"), Pem.certificates(List.of(root.certificate())));

        ChildProcess.Result result = opensslVerify(signature, content, rootPem);

        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("Verification successful"), result.output());
    }

    @Test
    void opensslAndTheVerifierBothRejectTamperedContent() throws Exception {
        byte[] cms = signer.signDetached(ec, HEADER);
        byte[] tampered = HEADER.clone();
        tampered[10] ^= 0x20;
        Path signature = Files.write(dir.resolve("sig.p7s"), cms);
        Path content = Files.write(dir.resolve("data"), tampered);
        Path rootPem = Files.writeString(dir.resolve("root.pem"), Pem.certificates(List.of(root.certificate())));

        ChildProcess.Result result = opensslVerify(signature, content, rootPem);
        SignatureRejectedException rejected = assertThrows(SignatureRejectedException.class,
                () -> CmsVerifier.verifyDetached(cms, tampered));

        assertNotEquals(0, result.exitCode(), result.output());
        assertEquals("the content does not match the signature: its digest differs from the signed message digest",
                rejected.getMessage());
    }

    @Test
    void signatureIsDetachedAndSignsContentTypeDigestAndTime() throws Exception {
        CMSSignedData parsed = new CMSSignedData(signer.signDetached(rsa, HEADER));

        assertTrue(parsed.isDetachedSignature());
        SignerInformation info = parsed.getSignerInfos().getSigners().iterator().next();
        assertNotNull(info.getSignedAttributes().get(CMSAttributes.contentType));
        assertNotNull(info.getSignedAttributes().get(CMSAttributes.messageDigest));
        assertNotNull(info.getSignedAttributes().get(CMSAttributes.signingTime));
        assertNull(parsed.getSignedContent());
    }

    @Test
    void rejectsBytesThatAreNotCms() {
        SignatureRejectedException rejected = assertThrows(SignatureRejectedException.class,
                () -> CmsVerifier.verifyDetached("not a signature".getBytes(StandardCharsets.UTF_8), HEADER));

        assertEquals("the signature is not a CMS SignedData structure (RFC 5652)", rejected.getMessage());
    }

    @Test
    void rejectsASignatureThatEncapsulatesItsContent() throws Exception {
        var generator = new CMSSignedDataGenerator();
        byte[] attached = generator.generate(new CMSProcessableByteArray(HEADER), true)
                .getEncoded();

        SignatureRejectedException rejected = assertThrows(SignatureRejectedException.class,
                () -> CmsVerifier.verifyDetached(attached, HEADER));

        assertEquals("the signature encapsulates its content; a detached signature is expected", rejected.getMessage());
    }

    @Test
    void everyDetachedSignatureVerifiesForItsContentAndNoOtherOneBitChange() {
        qt().withExamples(25)
                .forAll(Generate.byteArrays(integers().between(1, 4096),
                        Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 0)), integers().allPositive())
                .check((content, bit) -> {
                    byte[] cms = signer.signDetached(ec, content);
                    byte[] flipped = content.clone();
                    int position = bit % (content.length * 8);
                    flipped[position / 8] ^= (byte) (1 << (position % 8));
                    boolean verifies = CmsVerifier.verifyDetached(cms, content).signer().equals(ec.certificate());
                    try {
                        CmsVerifier.verifyDetached(cms, flipped);
                        return false;
                    } catch (SignatureRejectedException expected) {
                        return verifies;
                    }
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"rsa", "ec"})
    void signatureIsCanonicalDerWithTheFieldsBouncyCastlesOwnGeneratorWrites(String alias) throws Exception {
        TokenKey key = key(alias);
        byte[] ours = signer.signDetached(key, HEADER);
        var generator = new CMSSignedDataGenerator();
        generator.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
                .build(new JcaContentSignerBuilder(key.defaultSignatureAlgorithm().jcaName())
                        .setProvider(token.provider()).build(key.privateKey()), key.certificate()));
        generator.addCertificates(new JcaCertStore(key.chain()));
        CMSSignedData theirs = generator.generate(new CMSProcessableByteArray(HEADER), false);

        CMSSignedData parsed = new CMSSignedData(new CMSProcessableByteArray(HEADER), ours);

        assertArrayEquals(ours, parsed.getEncoded(ASN1Encoding.DER), "re-encoding as DER changes nothing");
        assertEquals(theirs.getVersion(), parsed.getVersion());
        assertEquals(theirs.getDigestAlgorithmIDs(), parsed.getDigestAlgorithmIDs());
        assertEquals(theirs.getSignedContentTypeOID(), parsed.getSignedContentTypeOID());
        // The same certificates; ours in DER's set order, Bouncy Castle's in the chain's.
        assertEquals(Set.copyOf(theirs.getCertificates().getMatches(null)), Set.copyOf(parsed.getCertificates().getMatches(null)));
        SignerInformation mine = parsed.getSignerInfos().getSigners().iterator().next();
        SignerInformation bcs = theirs.getSignerInfos().getSigners().iterator().next();
        assertEquals(bcs.getSID(), mine.getSID());
        assertEquals(bcs.getDigestAlgorithmID(), mine.getDigestAlgorithmID());
        assertEquals(bcs.getEncryptionAlgOID(), mine.getEncryptionAlgOID());
        assertEquals(bcs.getSignedAttributes().toHashtable().keySet(), mine.getSignedAttributes().toHashtable().keySet());
    }

    @Test
    void signersUsedAgainByConcurrentCallersEachSignTheirOwnContent() throws Exception {
        try (var callers = Executors.newFixedThreadPool(8)) {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                byte[] content = ("document " + i).getBytes(StandardCharsets.UTF_8);
                TokenKey key = i % 2 == 0 ? rsa : ec;
                results.add(callers.submit(() -> CmsVerifier.verifyDetached(signer.signDetached(key, content), content)
                        .signer().equals(key.certificate())));
            }
            for (Future<Boolean> result : results) {
                assertTrue(result.get());
            }
        }
    }

    private static ChildProcess.Result opensslVerify(Path signature, Path content, Path rootPem) {
        return ChildProcess.run(List.of("openssl", "cms", "-verify", "-binary", "-inform", "DER",
                "-in", signature.toString(), "-content", content.toString(), "-CAfile", rootPem.toString(),
                "-purpose", "any", "-out", "/dev/null"));
    }
}
