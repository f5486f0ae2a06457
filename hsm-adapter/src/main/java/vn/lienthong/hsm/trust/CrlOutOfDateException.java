package vn.lienthong.hsm.trust;

/**
 * The CRL held for a certificate's issuer is past its nextUpdate: whether the certificate is
 * revoked is unknown, so it is refused (fail closed) until a fresh CRL is imported.
 */
public class CrlOutOfDateException extends CertificateRejectedException {
    public CrlOutOfDateException(String message) {
        super(message);
    }
}
