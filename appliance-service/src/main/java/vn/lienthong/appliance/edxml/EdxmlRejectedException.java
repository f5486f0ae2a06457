package vn.lienthong.appliance.edxml;

/**
 * An edXML message the appliance refuses; the message is one plain sentence saying why,
 * {@link #element()} the path of the element at fault (null for the document as a whole) and
 * {@link #rule()} the name of the rule it broke (e.g. {@code required}, {@code organ-id}).
 */
public class EdxmlRejectedException extends RuntimeException {
    private final String element;
    private final String rule;

    public EdxmlRejectedException(String message) {
        this(null, "well-formed", message, null);
    }

    public EdxmlRejectedException(String message, Throwable cause) {
        this(null, "well-formed", message, cause);
    }

    public EdxmlRejectedException(String element, String rule, String message) {
        this(element, rule, message, null);
    }

    public EdxmlRejectedException(String element, String rule, String message, Throwable cause) {
        super(message, cause);
        this.element = element;
        this.rule = rule;
    }

    /** The element's path, such as {@code edXMLEnvelope/edXMLHeader/MessageHeader/To[2]/OrganId}; null for the whole message. */
    public String element() {
        return element;
    }

    /** The rule's name, stable for clients. */
    public String rule() {
        return rule;
    }
}
