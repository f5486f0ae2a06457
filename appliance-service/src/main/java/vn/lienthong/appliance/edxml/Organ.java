package vn.lienthong.appliance.edxml;

import java.util.Objects;

/**
 * An organ as a From or To of QCVN 102:2016: its identifier code and the contact details systems
 * print. Only {@code organId} is required; the rest is null when the message leaves it out.
 */
public record Organ(String organId, String organizationInCharge, String organName, String organAdd, String email,
                    String telephone, String fax, String website) {

    public Organ {
        OrganId.of(organId);
    }

    /** An organ known only by its id. */
    public static Organ of(String organId) {
        return new Organ(Objects.requireNonNull(organId), null, null, null, null, null, null, null);
    }
}
