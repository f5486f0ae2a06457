package vn.lienthong.appliance.keys;

/** A key the registry expects is not in the HSM token; the message says which and what to run. */
public class MissingKeyException extends RuntimeException {
    public MissingKeyException(String message) {
        super(message);
    }
}
