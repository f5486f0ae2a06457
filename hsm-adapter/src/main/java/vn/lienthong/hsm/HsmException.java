package vn.lienthong.hsm;

/**
 * A failure of the HSM or of a cryptographic operation, with a message an operator can act on.
 * Messages never contain a PIN or key material.
 */
public class HsmException extends RuntimeException {
    public HsmException(String message) {
        super(message);
    }

    public HsmException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The innermost message of a failure: for SunPKCS11 the PKCS#11 return code (such as
     * {@code CKR_DEVICE_REMOVED}), which is what an operator can look up.
     */
    public static String rootMessage(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }
}
