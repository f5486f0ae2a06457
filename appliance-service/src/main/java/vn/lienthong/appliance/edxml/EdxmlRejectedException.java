package vn.lienthong.appliance.edxml;

/** An edXML message the appliance refuses; the message is one plain sentence saying why. */
public class EdxmlRejectedException extends RuntimeException {
    public EdxmlRejectedException(String message) {
        super(message);
    }

    public EdxmlRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
