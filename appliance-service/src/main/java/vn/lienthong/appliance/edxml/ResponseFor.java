package vn.lienthong.appliance.edxml;

import java.time.LocalDate;

/**
 * MessageHeader/ResponseFor: the document a message answers, by the organ that sent it and its id.
 *
 * @param promulgationDate null when absent
 */
public record ResponseFor(String organId, String code, LocalDate promulgationDate, String documentId) {
    public ResponseFor {
        OrganId.of(organId);
    }
}
