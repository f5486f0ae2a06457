package vn.lienthong.hsm.trust;

/** A certificate or chain that is not trusted at the time asked; the message says why. */
public class CertificateRejectedException extends RuntimeException {
    public CertificateRejectedException(String message) {
        super(message);
    }

    public CertificateRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
