package vn.lienthong.provisioning.registry;

import java.util.regex.Pattern;

/**
 * The shape of an organ id on the axis (e.g. {@code 000.00.00.G22}, {@code 28.22.H17},
 * {@code vxp.saas.03}): dot-separated groups of ASCII letters and digits, at most 35 characters.
 */
public final class OrganIds {

    /** The longest organ id the axis's directory codes use. */
    public static final int MAX_LENGTH = 35;

    private static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9]+(\\.[A-Za-z0-9]+)*");

    private OrganIds() {
    }

    /** True when {@code organId} has the shape of an organ id. */
    public static boolean isValid(String organId) {
        return organId != null && organId.length() <= MAX_LENGTH && SHAPE.matcher(organId).matches();
    }

    /**
     * Returns {@code organId} when it is valid.
     *
     * @throws IllegalArgumentException with a sentence an operator can act on, otherwise
     */
    public static String requireValid(String organId) {
        if (!isValid(organId)) {
            throw new IllegalArgumentException("'" + printable(organId) + "' is not an organ id: use dot-separated"
                    + " groups of letters and digits, at most " + MAX_LENGTH + " characters (e.g. 000.00.00.G22)");
        }
        return organId;
    }

    // Echo what the operator typed, but never a control character or an unbounded string.
    private static String printable(String s) {
        if (s == null) {
            return "";
        }
        String cut = s.length() > 60 ? s.substring(0, 60) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
