package vn.lienthong.provisioning.registry;

import java.util.regex.Pattern;

/** Lower-case hex SHA-256 fingerprints as the registry stores them (64 hex digits). */
final class Fingerprints {

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");

    private Fingerprints() {
    }

    static boolean isSha256Hex(String s) {
        return s != null && SHA256_HEX.matcher(s).matches();
    }

    /** The fingerprint in lower case; IllegalArgumentException naming {@code what} if it is not 64 hex digits. */
    static String requireSha256Hex(String s, String what) {
        if (!isSha256Hex(s)) {
            throw new IllegalArgumentException(what + " must be a SHA-256 fingerprint of 64 hex digits");
        }
        return s.toLowerCase(java.util.Locale.ROOT);
    }
}
