package vn.lienthong.hsm.cert;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;

/** Reading and writing PEM certificates and reading CRLs (RFC 7468). */
public final class Pem {
    private Pem() {
    }

    /** All certificates in PEM or DER bytes; IllegalArgumentException with a plain sentence if none. */
    public static List<X509Certificate> certificates(byte[] pemOrDer) {
        Collection<? extends Certificate> read;
        try {
            read = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pemOrDer));
        } catch (CertificateException e) {
            throw new IllegalArgumentException("the certificates cannot be read: expected PEM"
                    + " (-----BEGIN CERTIFICATE-----) or DER X.509 (" + e.getMessage() + ")", e);
        }
        if (read.isEmpty()) {
            throw new IllegalArgumentException("no certificate found: expected PEM (-----BEGIN CERTIFICATE-----)"
                    + " or DER X.509");
        }
        return read.stream().map(X509Certificate.class::cast).toList();
    }

    /** All CRLs in PEM ("X509 CRL") or DER bytes; IllegalArgumentException with a plain sentence if none. */
    public static List<java.security.cert.X509CRL> crls(byte[] pemOrDer) {
        Collection<? extends java.security.cert.CRL> read;
        try {
            read = CertificateFactory.getInstance("X.509").generateCRLs(new ByteArrayInputStream(pemOrDer));
        } catch (java.security.cert.CRLException | CertificateException e) {
            throw new IllegalArgumentException("the CRL cannot be read: expected PEM (-----BEGIN X509 CRL-----)"
                    + " or DER (" + e.getMessage() + ")", e);
        }
        if (read.isEmpty()) {
            throw new IllegalArgumentException("no CRL found: expected PEM (-----BEGIN X509 CRL-----) or DER");
        }
        return read.stream().map(java.security.cert.X509CRL.class::cast).toList();
    }

    /** The certificates as consecutive PEM "CERTIFICATE" blocks, in the order given. */
    public static String certificates(List<X509Certificate> chain) {
        StringBuilder pem = new StringBuilder();
        for (X509Certificate certificate : chain) {
            try {
                pem.append(encode("CERTIFICATE", certificate.getEncoded()));
            } catch (CertificateEncodingException e) {
                throw new IllegalArgumentException("the certificate '"
                        + certificate.getSubjectX500Principal().getName() + "' cannot be encoded", e);
            }
        }
        return pem.toString();
    }

    /** Lower-case hex SHA-256 of the certificate's DER encoding: the pin used by the directory. */
    public static String sha256Fingerprint(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("the certificate '" + certificate.getSubjectX500Principal().getName()
                    + "' cannot be encoded", e);
        }
    }

    /** One PEM block with the given label: base64 in lines of 64 characters (RFC 7468 §2). */
    static String encode(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }
}
