package vn.lienthong.hsm.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import vn.lienthong.hsm.HsmException;
import vn.lienthong.hsm.testing.ChildProcess;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.testing.TestCertificateAuthority;

class TokenTest {

    private static SoftHsmTestToken softHsm;
    private static SoftHsmTestToken neverLoggedIn;
    private static SoftHsmTestToken envPinToken;
    private static Token token;

    @BeforeAll
    static void createTokens() {
        // SoftHSM2 reads its token directory once per process: every token first, then open.
        softHsm = SoftHsmTestToken.create("token");
        neverLoggedIn = SoftHsmTestToken.create("wrongpin");
        envPinToken = SoftHsmTestToken.create("envpin");
        token = Token.open(softHsm.config());
    }

    @AfterAll
    static void closeTokens() {
        if (token != null) {
            token.close();
        }
        softHsm.close();
        neverLoggedIn.close();
        envPinToken.close();
    }

    @Test
    void opensTheTokenFoundByItsLabel() {
        assertEquals(softHsm.label(), token.label());
        assertTrue(token.provider().getName().startsWith("SunPKCS11-lienthong-token-"), token.provider().getName());
    }

    @Test
    void refusesAWrongPinWithOnePlainSentenceThatDoesNotContainThePin() throws Exception {
        Path wrongPin = SoftHsmTestToken.writePinFile(Files.createTempFile("wrong", ".pin"), "9999-not-the-pin");
        var config = new TokenConfig(TokenConfig.SOFTHSM2_LIBRARY, neverLoggedIn.label(), new PinSource.File(wrongPin));

        HsmException refused = assertThrows(HsmException.class, () -> Token.open(config));

        assertEquals("the PIN for token '" + neverLoggedIn.label() + "' was refused", refused.getMessage());
        assertFalse(refused.getMessage().contains("9999"));
        Files.delete(wrongPin);
        // One refused attempt did not lock the token: the right PIN still opens it.
        try (Token opened = Token.open(neverLoggedIn.config())) {
            assertEquals(neverLoggedIn.label(), opened.label());
        }
    }

    @Test
    void readsThePinFromTheEnvironmentVariableTheSurefireConfigurationSets() {
        // hsm-adapter/pom.xml sets LIENTHONG_TEST_PIN to the fixture's user PIN for every test JVM.
        var config = new TokenConfig(TokenConfig.SOFTHSM2_LIBRARY, envPinToken.label(),
                PinSource.parse("env:LIENTHONG_TEST_PIN"));
        try (Token opened = Token.open(config)) {
            assertEquals(envPinToken.label(), opened.label());
            assertTrue(opened.aliases().isEmpty());
        }
    }

    @Test
    void namesTheLabelsPresentWhenNoTokenHasTheLabel() {
        var config = new TokenConfig(TokenConfig.SOFTHSM2_LIBRARY, "no-such-token", softHsm.config().pin());

        HsmException missing = assertThrows(HsmException.class, () -> Token.open(config));

        assertTrue(missing.getMessage().startsWith("no PKCS#11 token labelled 'no-such-token' in "
                + TokenConfig.SOFTHSM2_LIBRARY), missing.getMessage());
        assertTrue(missing.getMessage().contains("'" + softHsm.label() + "'"), missing.getMessage());
    }

    @Test
    void namesTheLibraryWhenItDoesNotExist() {
        var config = new TokenConfig(Path.of("/nonexistent/libpkcs11.so"), softHsm.label(),
                softHsm.config().pin());

        HsmException missing = assertThrows(HsmException.class, () -> Token.open(config));

        assertEquals("the PKCS#11 library /nonexistent/libpkcs11.so does not exist", missing.getMessage());
    }

    @Test
    void generatesAnRsaKeyWhosePrivatePartNeverLeavesTheToken() {
        TokenKey key = token.generateKey("rsa-signing", KeyAlgorithm.RSA_2048);

        assertEquals(2048, ((RSAPublicKey) key.publicKey()).getModulus().bitLength());
        assertNull(key.privateKey().getEncoded(), "a token key must not give its material out");
        assertEquals("CN=rsa-signing", key.certificate().getSubjectX500Principal().getName());
        assertPkcs11ToolSeesSensitiveNeverExtractableKey("rsa-signing");
    }

    @Test
    void generatesAnEcP256KeyWhosePrivatePartNeverLeavesTheToken() {
        TokenKey key = token.generateKey("ec-signing", KeyAlgorithm.EC_P256);

        assertEquals(256, ((ECPublicKey) key.publicKey()).getParams().getCurve().getField().getFieldSize());
        assertNull(key.privateKey().getEncoded(), "a token key must not give its material out");
        assertEquals(KeyAlgorithm.EC_P256, KeyAlgorithm.fromCliName("ecp256"));
        assertPkcs11ToolSeesSensitiveNeverExtractableKey("ec-signing");
    }

    @Test
    void refusesToGenerateAKeyUnderAnAliasAlreadyTaken() {
        token.generateKey("taken", KeyAlgorithm.EC_P256);

        HsmException taken = assertThrows(HsmException.class,
                () -> token.generateKey("taken", KeyAlgorithm.EC_P256));

        assertEquals("token '" + softHsm.label() + "' already has a key 'taken'", taken.getMessage());
    }

    @Test
    void refusesAnAliasThatIsNotAPlainName() {
        HsmException refused = assertThrows(HsmException.class,
                () -> token.generateKey("bad alias/..", KeyAlgorithm.EC_P256));

        assertTrue(refused.getMessage().startsWith("the key alias 'bad alias/..' is not allowed"), refused.getMessage());
    }

    @Test
    void findsAKeyAgainByItsAliasAndListsIt() {
        TokenKey generated = token.generateKey("found-again", KeyAlgorithm.RSA_2048);

        Optional<TokenKey> found = token.key("found-again");

        assertTrue(found.isPresent());
        assertEquals(generated.publicKey(), found.get().publicKey());
        assertEquals(generated.chain(), found.get().chain());
        assertTrue(token.aliases().contains("found-again"), token.aliases().toString());
        assertTrue(token.key("never-made").isEmpty());
    }

    @Test
    void findsAKeyThatAnotherProcessGeneratedAfterTheTokenWasOpened() {
        // Loaded before the child runs, so the key list this token holds cannot know the new key.
        assertTrue(token.key("made-by-cli").isEmpty());

        ChildProcess.Result child = ChildProcess.runJava(GenerateKeyInAnotherProcess.class,
                softHsm.label(), softHsm.pinFile().toString(), "made-by-cli", "ecp256");
        assertEquals(0, child.exitCode(), child.output());

        Optional<TokenKey> found = token.key("made-by-cli");
        assertTrue(found.isPresent(), "the key the other process made is found after one reload");
        assertEquals("EC", found.get().publicKey().getAlgorithm());
    }

    @Test
    void aKeyLookedUpBeforeItsChainWasStoredIsFoundWithTheNewChainAfterwards() {
        TokenKey generated = token.generateKey("rechained", KeyAlgorithm.EC_P256);
        assertEquals(generated.chain(), token.key("rechained").orElseThrow().chain());
        TestCertificateAuthority ca = TestCertificateAuthority.root("Rechain CA");
        X509Certificate leaf = ca.issue("CN=rechained", generated.publicKey(), Instant.now().minusSeconds(60),
                Instant.now().plusSeconds(3600));

        token.storeChain("rechained", ca.chainOf(leaf));

        assertEquals(ca.chainOf(leaf), token.key("rechained").orElseThrow().chain(),
                "the key found before the chain was stored is not what a look-up returns after it");
        token.reload();
        assertEquals(ca.chainOf(leaf), token.key("rechained").orElseThrow().chain());
    }

    @Test
    void refusesToStoreAChainWhoseLeafIsForAnotherKey() {
        token.generateKey("chain-owner", KeyAlgorithm.EC_P256);
        TokenKey other = token.generateKey("chain-other", KeyAlgorithm.EC_P256);

        HsmException refused = assertThrows(HsmException.class,
                () -> token.storeChain("chain-owner", other.chain()));

        assertEquals("the certificate for 'CN=chain-other' is not for key 'chain-owner': its public key differs",
                refused.getMessage());
        assertEquals("CN=chain-owner",
                token.key("chain-owner").orElseThrow().certificate().getSubjectX500Principal().getName());
    }

    @Test
    void refusesToStoreAChainForAnAliasWithoutKey() {
        TokenKey some = token.generateKey("some-key", KeyAlgorithm.EC_P256);

        HsmException refused = assertThrows(HsmException.class, () -> token.storeChain("nobody", some.chain()));

        assertEquals("token '" + softHsm.label() + "' has no key 'nobody'", refused.getMessage());
    }

    @Test
    void refusesToWorkAfterClose() {
        Token second = Token.open(envPinToken.config());
        second.close();

        HsmException closed = assertThrows(HsmException.class, () -> second.key("any"));

        assertEquals("token '" + envPinToken.label() + "' has been closed", closed.getMessage());
    }

    private static void assertPkcs11ToolSeesSensitiveNeverExtractableKey(String alias) {
        String objects = ChildProcess.pkcs11ToolObjects(softHsm);
        String id = HexFormat.of().formatHex(alias.getBytes(StandardCharsets.UTF_8));
        List<String> privateKeyBlocks = List.of(objects.split("\n(?=\\S)")).stream()
                .filter(block -> block.startsWith("Private Key Object"))
                .filter(block -> block.contains("ID:         " + id))
                .toList();
        assertEquals(1, privateKeyBlocks.size(), objects);
        String access = privateKeyBlocks.getFirst().lines()
                .filter(line -> line.strip().startsWith("Access:"))
                .findFirst().orElseThrow(() -> new AssertionError(objects));
        assertTrue(access.contains("sensitive"), access);
        assertTrue(access.contains("never extractable"), access);
        assertTrue(access.contains("local"), access);
        assertFalse(privateKeyBlocks.getFirst().contains("decrypt"), privateKeyBlocks.getFirst());
    }
}
