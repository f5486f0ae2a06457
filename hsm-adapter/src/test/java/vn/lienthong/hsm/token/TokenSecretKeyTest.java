package vn.lienthong.hsm.token;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import vn.lienthong.hsm.HsmException;
import vn.lienthong.hsm.testing.SoftHsmTestToken;

class TokenSecretKeyTest {

    private static SoftHsmTestToken softHsm;
    private static Token token;

    @BeforeAll
    static void open() {
        softHsm = SoftHsmTestToken.create("aes");
        token = Token.open(softHsm.config());
    }

    @AfterAll
    static void close() {
        token.close();
        softHsm.close();
    }

    @Test
    void generatesAnAesKeyThatEncryptsInTheTokenAndNeverShowsItsValue() throws Exception {
        SecretKey key = token.generateSecretKey("secrets-1");
        assertNull(key.getEncoded(), "the key's value stays in the token");

        byte[] iv = new byte[12];
        Cipher encrypt = Cipher.getInstance("AES/GCM/NoPadding", token.provider());
        encrypt.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
        byte[] sealed = encrypt.doFinal("bí mật".getBytes(StandardCharsets.UTF_8));

        token.reload();
        SecretKey found = token.secretKey("secrets-1").orElseThrow();
        Cipher decrypt = Cipher.getInstance("AES/GCM/NoPadding", token.provider());
        decrypt.init(Cipher.DECRYPT_MODE, found, new GCMParameterSpec(128, iv));
        assertArrayEquals("bí mật".getBytes(StandardCharsets.UTF_8), decrypt.doFinal(sealed));
    }

    @Test
    void refusesASecondKeyUnderTheSameAlias() {
        token.generateSecretKey("secrets-2");
        assertThrows(HsmException.class, () -> token.generateSecretKey("secrets-2"));
        assertTrue(token.secretKey("nothing-here").isEmpty());
    }
}
