package vn.lienthong.appliance.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslAsyncPrivateKeyMethod;
import io.netty.util.concurrent.Future;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.security.SignatureException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;

class HsmPrivateKeyMethodTest {

    private static SoftHsmTestToken softHsm;
    private static Token token;
    private static TokenKey ecKey;
    private static TokenKey rsaKey;
    private static final HandshakeSigners SIGNERS = HandshakeSigners.withDefaults();

    private final byte[] handshake = "client random, server random, key share".getBytes(StandardCharsets.UTF_8);

    @BeforeAll
    static void makeKeys() {
        OpenSsl.ensureAvailability();
        softHsm = SoftHsmTestToken.create("keymethod");
        token = Token.open(softHsm.config());
        TestPki pki = TestPki.create("Key Method Root");
        ecKey = pki.issueInToken(token, "tls-ec", KeyAlgorithm.EC_P256, "ec", TestPki.Role.SERVER_AND_CLIENT);
        rsaKey = pki.issueInToken(token, "tls-rsa", KeyAlgorithm.RSA_2048, "rsa", TestPki.Role.SERVER_AND_CLIENT);
    }

    @AfterAll
    static void closeToken() {
        SIGNERS.close();
        if (token != null) {
            token.close();
        }
        softHsm.close();
    }

    private static byte[] signInTheHsm(TokenKey key, int scheme, byte[] input) throws Exception {
        Future<byte[]> signed = new HsmPrivateKeyMethod(key.privateKey(), key.provider(), SIGNERS).sign(null, scheme, input);
        assertTrue(signed.await(30, TimeUnit.SECONDS), "the HSM signature did not complete");
        if (!signed.isSuccess()) {
            throw new AssertionError("signing failed", signed.cause());
        }
        return signed.getNow();
    }

    private void assertVerifiesInSoftware(TokenKey key, int scheme) throws Exception {
        byte[] signature = signInTheHsm(key, scheme, handshake);
        HsmPrivateKeyMethod.JcaScheme jca = HsmPrivateKeyMethod.scheme(scheme);
        Signature verifier = Signature.getInstance(jca.algorithm());
        if (jca.parameters() != null) {
            verifier.setParameter(jca.parameters());
        }
        verifier.initVerify(key.publicKey());
        verifier.update(handshake);
        assertTrue(verifier.verify(signature), jca.algorithm() + " " + jca.parameters());
    }

    @Test
    void theKeysLiveInTheHsmAndCannotBeRead() {
        assertNull(ecKey.privateKey().getEncoded());
        assertNull(rsaKey.privateKey().getEncoded());
    }

    @Test
    void signsEveryEcdsaSchemeWithTheHsmKeySoThatTheCertificateKeyVerifiesIt() throws Exception {
        for (int scheme : new int[] {
                OpenSslAsyncPrivateKeyMethod.SSL_SIGN_ECDSA_SECP256R1_SHA256,
                OpenSslAsyncPrivateKeyMethod.SSL_SIGN_ECDSA_SECP384R1_SHA384,
                OpenSslAsyncPrivateKeyMethod.SSL_SIGN_ECDSA_SECP521R1_SHA512}) {
            assertVerifiesInSoftware(ecKey, scheme);
        }
    }

    @Test
    void signsEveryRsaPkcs1AndPssSchemeWithTheHsmKeySoThatTheCertificateKeyVerifiesIt() throws Exception {
        for (int scheme : new int[] {
                OpenSslAsyncPrivateKeyMethod.SSL_SIGN_RSA_PKCS1_SHA256,
                OpenSslAsyncPrivateKeyMethod.SSL_SIGN_RSA_PKCS1_SHA384,
                OpenSslAsyncPrivateKeyMethod.SSL_SIGN_RSA_PKCS1_SHA512,
                OpenSslAsyncPrivateKeyMethod.SSL_SIGN_RSA_PSS_RSAE_SHA256,
                OpenSslAsyncPrivateKeyMethod.SSL_SIGN_RSA_PSS_RSAE_SHA384,
                OpenSslAsyncPrivateKeyMethod.SSL_SIGN_RSA_PSS_RSAE_SHA512}) {
            assertVerifiesInSoftware(rsaKey, scheme);
        }
    }

    @Test
    void usesTlsPssParametersWithASaltAsLongAsTheHash() throws Exception {
        Map<Integer, Integer> saltByScheme = Map.of(
                OpenSslAsyncPrivateKeyMethod.SSL_SIGN_RSA_PSS_RSAE_SHA256, 32,
                OpenSslAsyncPrivateKeyMethod.SSL_SIGN_RSA_PSS_RSAE_SHA384, 48,
                OpenSslAsyncPrivateKeyMethod.SSL_SIGN_RSA_PSS_RSAE_SHA512, 64);
        for (var entry : saltByScheme.entrySet()) {
            var pss = assertInstanceOf(java.security.spec.PSSParameterSpec.class,
                    HsmPrivateKeyMethod.scheme(entry.getKey()).parameters());
            assertEquals(entry.getValue(), pss.getSaltLength());
            assertEquals(pss.getDigestAlgorithm(),
                    ((java.security.spec.MGF1ParameterSpec) pss.getMGFParameters()).getDigestAlgorithm());
        }
    }

    @Test
    void refusesSha1Md5AndEd25519SchemesAndAnyDecryption() throws Exception {
        for (int scheme : new int[] {
                OpenSslAsyncPrivateKeyMethod.SSL_SIGN_RSA_PKCS1_SHA1,
                OpenSslAsyncPrivateKeyMethod.SSL_SIGN_ECDSA_SHA1,
                OpenSslAsyncPrivateKeyMethod.SSL_SIGN_RSA_PKCS1_MD5_SHA1,
                OpenSslAsyncPrivateKeyMethod.SSL_SIGN_ED25519}) {
            assertThrows(SignatureException.class, () -> HsmPrivateKeyMethod.scheme(scheme));
            Future<byte[]> refused = new HsmPrivateKeyMethod(rsaKey.privateKey(), rsaKey.provider(), SIGNERS)
                    .sign(null, scheme, handshake);
            assertTrue(refused.await(30, TimeUnit.SECONDS));
            assertInstanceOf(SignatureException.class, refused.cause());
        }
        Future<byte[]> decrypted = new HsmPrivateKeyMethod(rsaKey.privateKey(), rsaKey.provider(), SIGNERS)
                .decrypt(null, new byte[256]);
        assertFalse(decrypted.isSuccess());
        assertInstanceOf(UnsupportedOperationException.class, decrypted.cause());
    }
}
