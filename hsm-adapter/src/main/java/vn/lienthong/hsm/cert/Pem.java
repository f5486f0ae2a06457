package vn.lienthong.hsm.cert;

import java.security.cert.X509Certificate;
import java.util.List;

/** Reading and writing PEM certificates (RFC 7468). */
public final class Pem {
    private Pem() {
    }

    /** All certificates in PEM or DER bytes; IllegalArgumentException with a plain sentence if none. */
    public static List<X509Certificate> certificates(byte[] pemOrDer) {
        throw new UnsupportedOperationException("TODO");
    }

    public static String certificates(List<X509Certificate> chain) {
        throw new UnsupportedOperationException("TODO");
    }

    /** Lower-case hex SHA-256 of the certificate's DER encoding: the pin used by the directory. */
    public static String sha256Fingerprint(X509Certificate certificate) {
        throw new UnsupportedOperationException("TODO");
    }
}
