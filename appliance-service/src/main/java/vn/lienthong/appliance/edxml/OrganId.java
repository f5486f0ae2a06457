package vn.lienthong.appliance.edxml;

import java.util.regex.Pattern;

/**
 * An organ identifier code (QCVN 102:2016, as amended by Circular 01/2022/TT-BTTTT), such as
 * {@code 000.00.00.G22}. Only the shape is checked: dot-separated groups of ASCII letters and
 * digits, at most 35 characters (Decision 20/2020/QĐ-TTg), because real systems also use
 * three-group and lower-case codes such as {@code 28.22.H17} and {@code vxp.saas.03}.
 */
public record OrganId(String value) {

    /** Decision 20/2020/QĐ-TTg: an identifier code has at most 35 characters. */
    public static final int MAX_LENGTH = 35;

    // ASCII only: a look-alike letter from another script must not pass for a real organ's code.
    private static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9]+(?:\\.[A-Za-z0-9]+)*");

    public OrganId {
        if (!isValid(value)) {
            throw new IllegalArgumentException(describe(value) + " is not an organ id");
        }
    }

    /** True when the text has the shape of an organ id. */
    public static boolean isValid(String value) {
        return value != null && !value.isEmpty() && value.length() <= MAX_LENGTH && SHAPE.matcher(value).matches();
    }

    /** The organ id, or IllegalArgumentException with a plain sentence naming the bad value. */
    public static OrganId of(String value) {
        return new OrganId(value);
    }

    /** The value quoted for a message, shortened so that a hostile value cannot flood a log line. */
    static String describe(String value) {
        if (value == null) {
            return "nothing";
        }
        return "'" + EdxmlReader.shorten(value) + "'";
    }

    @Override
    public String toString() {
        return value;
    }
}
