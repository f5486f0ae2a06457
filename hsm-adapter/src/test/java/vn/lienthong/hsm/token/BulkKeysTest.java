package vn.lienthong.hsm.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.hsm.HsmException;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.hsm.sign.Signatures;
import vn.lienthong.hsm.testing.ChildProcess;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.testing.TestCertificateAuthority;

/** Many keys made and certified in one PKCS#11 session, and keys kept known across reloads. */
class BulkKeysTest {

    private static SoftHsmTestToken softHsm;
    private static Token token;

    @TempDir
    static Path dir;

    @BeforeAll
    static void createToken() {
        softHsm = SoftHsmTestToken.create("bulk");
        token = Token.open(softHsm.config());
    }

    @AfterAll
    static void closeToken() {
        if (token != null) {
            token.close();
        }
        softHsm.close();
    }

    @Test
    void generatesManyKeysEachWithItsOwnPlaceholderSignedByItselfAndNeverExtractable() throws Exception {
        List<String> ec = List.of("bulk-ec-1", "bulk-ec-2", "bulk-ec-3", "bulk-ec-4");
        List<BulkKeys.Generated> made = new java.util.ArrayList<>(BulkKeys.generate(token, ec, KeyAlgorithm.EC_P256,
                alias -> "CN=" + alias + ",O=bulk test,C=VN"));
        made.addAll(BulkKeys.generate(token, List.of("bulk-rsa-1", "bulk-rsa-2"), KeyAlgorithm.RSA_2048,
                alias -> "CN=" + alias + ",O=bulk test,C=VN"));
        List<TokenKey> keys = made.stream().map(g -> token.key(g.alias()).orElseThrow()).toList();
        for (BulkKeys.Generated g : made) {
            assertEquals(g.publicKey(), token.key(g.alias()).orElseThrow().publicKey());
            // The request is signed by the key: the CA's issue() checks its signature.
            X509Certificate issued = TestCertificateAuthority.root("csr check").issue(g.certificationRequest());
            assertEquals("CN=" + g.alias() + ",O=bulk test,C=VN", issued.getSubjectX500Principal().getName());
            assertEquals(g.publicKey(), issued.getPublicKey());
        }

        assertEquals(6, new HashSet<>(keys.stream().map(TokenKey::publicKey).toList()).size(), "six distinct keys");
        for (TokenKey key : keys) {
            X509Certificate placeholder = key.certificate();
            assertEquals("CN=" + key.alias(), placeholder.getSubjectX500Principal().getName());
            placeholder.verify(key.publicKey()); // signed in the token by the new key itself
            assertNull(key.privateKey().getEncoded(), "a token key must not give its material out");
            byte[] data = ("signed by " + key.alias()).getBytes(StandardCharsets.UTF_8);
            byte[] signature = Signatures.sign(key, key.defaultSignatureAlgorithm(), data);
            for (TokenKey other : keys.stream().filter(k -> k.publicKey().getAlgorithm()
                    .equals(key.publicKey().getAlgorithm())).toList()) {
                assertEquals(other == key, Signatures.verify(other.publicKey(), key.defaultSignatureAlgorithm(),
                        data, signature), key.alias() + "'s signature checked with " + other.alias() + "'s key");
            }
        }
        assertTrue(token.aliases().containsAll(ec), token.aliases().toString());
        String objects = ChildProcess.pkcs11ToolObjects(softHsm);
        for (String alias : List.of("bulk-ec-1", "bulk-rsa-1")) {
            String id = HexFormat.of().formatHex(alias.getBytes(StandardCharsets.UTF_8));
            String block = List.of(objects.split("\n(?=\\S)")).stream()
                    .filter(b -> b.startsWith("Private Key Object") && b.contains("ID:         " + id))
                    .findFirst().orElseThrow(() -> new AssertionError(objects));
            String access = block.lines().filter(l -> l.strip().startsWith("Access:")).findFirst().orElseThrow();
            assertTrue(access.contains("sensitive") && access.contains("never extractable") && access.contains("local"),
                    access);
            assertFalse(block.contains("decrypt"), block);
        }
    }

    @Test
    void refusesAnAliasAlreadyInTheTokenOrListedTwiceBeforeMakingAnyKey() {
        BulkKeys.generate(token, List.of("bulk-taken"), KeyAlgorithm.EC_P256, null);

        HsmException taken = assertThrows(HsmException.class,
                () -> BulkKeys.generate(token, List.of("bulk-fresh", "bulk-taken"), KeyAlgorithm.EC_P256, null));
        HsmException twice = assertThrows(HsmException.class,
                () -> BulkKeys.generate(token, List.of("bulk-twice", "bulk-twice"), KeyAlgorithm.EC_P256, null));

        assertEquals("token '" + softHsm.label() + "' already has a key 'bulk-taken'", taken.getMessage());
        assertTrue(twice.getMessage().contains("'bulk-twice'"), twice.getMessage());
        assertTrue(token.key("bulk-fresh").isEmpty(), "nothing made");
        assertTrue(token.key("bulk-twice").isEmpty(), "nothing made");
    }

    @Test
    void storesManyCertificatesInOneSessionAndEachKeyIsReadWithItsNewCertificate() {
        List<TokenKey> keys = BulkKeys.generate(token, List.of("cert-1", "cert-2", "cert-3"), KeyAlgorithm.EC_P256, null)
                .stream().map(g -> token.key(g.alias()).orElseThrow()).toList();
        TestCertificateAuthority ca = TestCertificateAuthority.root("bulk test CA");
        Map<String, List<X509Certificate>> chains = new LinkedHashMap<>();
        for (TokenKey key : keys) {
            chains.put(key.alias(), List.of(issue(ca, key), ca.certificate()));
        }

        BulkKeys.storeChains(token, chains);

        assertEquals(chains.get("cert-2").getFirst(), BulkKeys.certificates(token).get("cert-2"));
        for (TokenKey stale : keys) {
            TokenKey key = token.key(stale.alias()).orElseThrow();
            assertEquals(chains.get(key.alias()), key.chain());
            assertTrue(Signatures.verify(key.certificate().getPublicKey(), key.defaultSignatureAlgorithm(),
                    new byte[] {1}, Signatures.sign(key, key.defaultSignatureAlgorithm(), new byte[] {1})));
        }
        HsmException wrongKey = assertThrows(HsmException.class, () -> BulkKeys.storeChains(token,
                Map.of("cert-1", chains.get("cert-2"))));
        assertTrue(wrongKey.getMessage().contains("is not for key 'cert-1'"), wrongKey.getMessage());
    }

    @Test
    void aKeyStaysKnownAcrossReloadsUntilAnotherProcessChangesItsCertificate() throws Exception {
        BulkKeys.generate(token, List.of("kept"), KeyAlgorithm.EC_P256, null);
        TokenKey made = token.key("kept").orElseThrow();
        TokenKey before = token.key("kept").orElseThrow();
        token.reload();
        assertSame(before, token.key("kept").orElseThrow(), "unchanged: no search of the token again");

        X509Certificate issued = issue(TestCertificateAuthority.root("another process's CA"), made);
        Path file = dir.resolve("kept.pem");
        Files.writeString(file, Pem.certificates(List.of(issued)));
        ChildProcess.Result child = ChildProcess.runJava(StoreChainInAnotherProcess.class,
                softHsm.label(), softHsm.pinFile().toString(), "kept", file.toString());
        assertEquals(0, child.exitCode(), child.output());

        token.reload();
        TokenKey after = token.key("kept").orElseThrow();
        assertNotEquals(before.certificate(), after.certificate());
        assertEquals(issued, after.certificate(), "the certificate the other process stored is seen after a reload");
    }

    private static X509Certificate issue(TestCertificateAuthority ca, TokenKey key) {
        return ca.issue("CN=" + key.alias() + ",O=bulk test,C=VN", key.publicKey(), Instant.now().minus(Duration.ofMinutes(1)),
                Instant.now().plus(Duration.ofDays(30)));
    }
}
