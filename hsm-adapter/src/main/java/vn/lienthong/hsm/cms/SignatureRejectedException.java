package vn.lienthong.hsm.cms;

/** A signature that does not verify, or cannot be read; the message says which and why. */
public class SignatureRejectedException extends RuntimeException {
    public SignatureRejectedException(String message) {
        super(message);
    }

    public SignatureRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
