package vn.lienthong.appliance.envelope;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import vn.lienthong.hsm.cms.CmsSignature;

/**
 * Batch root signatures that verified, remembered (least recently used go first): the entries of
 * one batch, envelopes or receipts, arrive one by one, and each would otherwise verify the same
 * CMS signature again. Failures are not kept. Safe for many threads.
 */
final class VerifiedRoots {

    private final Map<String, CmsSignature> verified;
    private final AtomicLong verifications = new AtomicLong();

    VerifiedRoots(int size) {
        this.verified = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, CmsSignature> eldest) {
                return size() > size;
            }
        };
    }

    /** The verified signature over the root bytes, from the cache or verified now. */
    CmsSignature signature(byte[] rootBytes, byte[] cms, String what) {
        String key = cacheKey(rootBytes, cms);
        synchronized (verified) {
            CmsSignature known = verified.get(key);
            if (known != null) {
                return known;
            }
        }
        CmsSignature signature = VerifiedSigner.verifySignature(cms, rootBytes, what);
        verifications.incrementAndGet();
        synchronized (verified) {
            verified.put(key, signature);
        }
        return signature;
    }

    /** How many root signatures were verified with public-key operations (not from the cache). */
    long verifications() {
        return verifications.get();
    }

    /** Names the pair of root bytes and signature: a digest over both, length-prefixed so they cannot slide. */
    private static String cacheKey(byte[] rootBytes, byte[] signature) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(new byte[] {(byte) (rootBytes.length >>> 8), (byte) rootBytes.length});
            sha256.update(rootBytes);
            return HexFormat.of().formatHex(sha256.digest(signature));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
