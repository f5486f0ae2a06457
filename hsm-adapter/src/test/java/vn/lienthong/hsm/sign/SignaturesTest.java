package vn.lienthong.hsm.sign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import vn.lienthong.hsm.HsmException;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;

class SignaturesTest {

    private static final byte[] HEADER = "message-id: 42\nsender: 000.00.00.G22\n".getBytes(StandardCharsets.UTF_8);

    private static SoftHsmTestToken softHsm;
    private static Token token;
    private static TokenKey rsa;
    private static TokenKey ec;

    @BeforeAll
    static void createKeys() {
        softHsm = SoftHsmTestToken.create("sign");
        token = Token.open(softHsm.config());
        rsa = token.generateKey("rsa", KeyAlgorithm.RSA_2048);
        ec = token.generateKey("ec", KeyAlgorithm.EC_P256);
    }

    @AfterAll
    static void closeToken() {
        token.close();
        softHsm.close();
    }

    private static TokenKey keyFor(SignatureAlgorithm algorithm) {
        return algorithm.keyAlgorithm().equals("EC") ? ec : rsa;
    }

    @ParameterizedTest
    @EnumSource(SignatureAlgorithm.class)
    void signatureMadeInTheTokenVerifiesInSoftware(SignatureAlgorithm algorithm) {
        TokenKey key = keyFor(algorithm);

        byte[] signature = Signatures.sign(key, algorithm, HEADER);

        assertTrue(Signatures.verify(key.publicKey(), algorithm, HEADER, signature));
    }

    @ParameterizedTest
    @EnumSource(SignatureAlgorithm.class)
    void signatureDoesNotVerifyForTamperedData(SignatureAlgorithm algorithm) {
        TokenKey key = keyFor(algorithm);
        byte[] signature = Signatures.sign(key, algorithm, HEADER);
        byte[] tampered = HEADER.clone();
        tampered[tampered.length - 2] ^= 1;

        assertFalse(Signatures.verify(key.publicKey(), algorithm, tampered, signature));
    }

    @Test
    void pssSignaturesAreSaltedSoTwoSignaturesOfTheSameDataDiffer() {
        byte[] first = Signatures.sign(rsa, SignatureAlgorithm.RSASSA_PSS, HEADER);
        byte[] second = Signatures.sign(rsa, SignatureAlgorithm.RSASSA_PSS, HEADER);

        assertFalse(Arrays.equals(first, second));
        // A PKCS#1 v1.5 verifier must not accept a PSS signature: the schemes really differ.
        assertFalse(Signatures.verify(rsa.publicKey(), SignatureAlgorithm.SHA256_WITH_RSA, HEADER, first));
    }

    @Test
    void aMalformedSignatureIsSimplyNotValid() {
        byte[] garbage = {1, 2, 3};

        assertFalse(Signatures.verify(ec.publicKey(), SignatureAlgorithm.SHA256_WITH_ECDSA, HEADER, garbage));
    }

    @Test
    void refusesToSignWithAnAlgorithmForAnotherKeyType() {
        HsmException refused = assertThrows(HsmException.class,
                () -> Signatures.sign(ec, SignatureAlgorithm.SHA256_WITH_RSA, HEADER));

        assertEquals("the key 'ec' is EC and cannot make or check SHA256withRSA signatures", refused.getMessage());
    }

    @Test
    void oneTokenSignsFromManyThreadsAtOnce() throws Exception {
        List<Future<Boolean>> results = new ArrayList<>();
        try (ExecutorService threads = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < 64; i++) {
                byte[] data = ("document " + i).getBytes(StandardCharsets.UTF_8);
                TokenKey key = i % 2 == 0 ? rsa : ec;
                results.add(threads.submit(() -> Signatures.verify(key.publicKey(), key.defaultSignatureAlgorithm(),
                        data, Signatures.sign(key, key.defaultSignatureAlgorithm(), data))));
            }
        }
        for (Future<Boolean> result : results) {
            assertTrue(result.get());
        }
    }

    @Test
    void everySignatureVerifiesForItsDataAndFailsForAnyOneBitChange() {
        Gen<byte[]> data = Generate.byteArrays(integers().between(1, 2048),
                Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 0));
        Gen<SignatureAlgorithm> algorithms = Generate.enumValues(SignatureAlgorithm.class);
        qt().withExamples(60).forAll(data, integers().allPositive(), algorithms).check((bytes, bit, algorithm) -> {
            TokenKey key = keyFor(algorithm);
            byte[] signature = Signatures.sign(key, algorithm, bytes);
            byte[] flipped = bytes.clone();
            int position = bit % (bytes.length * 8);
            flipped[position / 8] ^= (byte) (1 << (position % 8));
            return Signatures.verify(key.publicKey(), algorithm, bytes, signature)
                    && !Signatures.verify(key.publicKey(), algorithm, flipped, signature);
        });
    }
}
