package vn.lienthong.storage.audit;

import java.util.OptionalLong;

/**
 * What walking the audit chain found: how many records fit, and the first that does not (with
 * why), if any.
 */
public record AuditVerification(long verified, OptionalLong firstBadSequence, String problem) {

    public boolean intact() {
        return firstBadSequence.isEmpty();
    }
}
