package vn.lienthong.provisioning.registry;

import java.util.Locale;

/**
 * What an operator may do through the operator API: the security officer manages tokens and keys,
 * the registration officer tenants, certificates and the directory; every role may read.
 */
public enum OperatorRole {
    SECURITY_OFFICER, REGISTRATION_OFFICER, OBSERVER;

    /** The word operators type: {@code security-officer}, {@code registration-officer}, {@code observer}. */
    public String word() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The role a word names. */
    public static OperatorRole of(String word) {
        for (OperatorRole role : values()) {
            if (role.word().equals(word)) {
                return role;
            }
        }
        throw new IllegalArgumentException("there is no operator role '" + word
                + "'; give security-officer, registration-officer or observer");
    }
}
