package vn.lienthong.provisioning.registry;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import vn.lienthong.hsm.HsmException;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.storage.registry.Registry;

/**
 * The per-tenant secrets document systems use for the SDK API's HMAC-SHA256 headers. Each is kept
 * encrypted (AES-256-GCM, the organ id as associated data) under an AES key generated in the HSM,
 * which never leaves it: the store alone does not give the secrets away.
 */
public final class SdkSecrets {

    /** The alias of the HSM's AES key that encrypts the secrets. */
    public static final String KEY_ALIAS = "sdk-secrets";
    private static final String KIND = "sdk-secret";
    private static final int IV_BYTES = 12;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Registry records;
    private final Token token;

    public SdkSecrets(Registry records, Token token) {
        this.records = records;
        this.token = token;
    }

    /**
     * Makes a new secret for the tenant, replacing any earlier one, and returns it (base64url, 32
     * random bytes) for the operator to hand to the document system; it is not shown again.
     */
    public String issue(String organId) {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String text = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        SecretKey key = token.secretKey(KEY_ALIAS).orElseGet(() -> token.generateSecretKey(KEY_ALIAS));
        byte[] iv = new byte[IV_BYTES];
        RANDOM.nextBytes(iv);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding", token.provider());
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
            cipher.updateAAD(organId.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(text.getBytes(StandardCharsets.US_ASCII));
            records.put(KIND, organId, ByteBuffer.allocate(IV_BYTES + sealed.length).put(iv).put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new HsmException("the HSM could not encrypt the SDK secret: " + HsmException.rootMessage(e), e);
        }
        return text;
    }

    /** The tenant's secret as the HMAC key bytes (its text in ASCII), if one was issued. */
    public Optional<byte[]> secret(String organId) {
        Optional<byte[]> stored = records.get(KIND, organId);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        SecretKey key = token.secretKey(KEY_ALIAS).orElseThrow(() -> new HsmException(
                "the HSM has no key '" + KEY_ALIAS + "' to decrypt the SDK secrets"));
        byte[] record = stored.get();
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding", token.provider());
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, record, 0, IV_BYTES));
            cipher.updateAAD(organId.getBytes(StandardCharsets.UTF_8));
            return Optional.of(cipher.doFinal(record, IV_BYTES, record.length - IV_BYTES));
        } catch (GeneralSecurityException e) {
            throw new HsmException("the SDK secret of " + organId + " could not be decrypted: "
                    + HsmException.rootMessage(e), e);
        }
    }
}
