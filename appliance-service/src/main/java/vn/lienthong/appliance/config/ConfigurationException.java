package vn.lienthong.appliance.config;

/** A configuration the appliance cannot start with; the message is one sentence for the operator. */
public class ConfigurationException extends RuntimeException {
    public ConfigurationException(String message) {
        super(message);
    }
}
