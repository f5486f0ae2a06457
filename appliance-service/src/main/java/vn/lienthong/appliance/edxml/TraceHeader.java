package vn.lienthong.appliance.edxml;

import java.time.LocalDateTime;

/** TraceHeaderList/TraceHeader: an organ (or the axis) the message passed, and when, in Vietnam's local time. */
public record TraceHeader(String organId, LocalDateTime timestamp) {
    public TraceHeader {
        OrganId.of(organId);
    }
}
