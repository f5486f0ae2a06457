package vn.lienthong.hsm.cert;

import java.util.List;
import vn.lienthong.hsm.token.TokenKey;

/** PKCS#10 certification requests signed inside the token. */
public final class Csr {
    private Csr() {
    }

    /**
     * A PEM "CERTIFICATE REQUEST" for the key, with the subject DN given (RFC 4514 form, e.g.
     * {@code CN=000.00.00.G22,O=...,C=VN}) and optional subjectAltName DNS names and IP addresses.
     */
    public static String pem(TokenKey key, java.security.Provider tokenProvider, String subjectDn,
                             List<String> dnsNames, List<String> ipAddresses) {
        throw new UnsupportedOperationException("TODO");
    }
}
