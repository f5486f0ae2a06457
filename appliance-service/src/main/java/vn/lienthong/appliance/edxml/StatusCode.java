package vn.lienthong.appliance.edxml;

/** The status codes of QCVN 102:2016 status messages (EDXML.md's table). */
public enum StatusCode {
    ARRIVED("01"), REJECTED("02"), ACCEPTED("03"), ASSIGNED("04"), PROCESSING("05"), COMPLETED("06"),
    RECALL_REQUESTED("13"), CHANGE_AGREED("15"), CHANGE_REFUSED("16");

    private final String code;

    StatusCode(String code) {
        this.code = code;
    }

    /** The two-digit code as written in StatusCode. */
    public String code() {
        return code;
    }

    /** The status for a code; a one-digit code is read as its two-digit form; null when unknown. */
    public static StatusCode ofCode(String code) {
        String normalised = code.length() == 1 ? "0" + code : code;
        for (StatusCode s : values()) {
            if (s.code.equals(normalised)) {
                return s;
            }
        }
        return null;
    }
}
