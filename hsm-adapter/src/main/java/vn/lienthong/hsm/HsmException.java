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
}
