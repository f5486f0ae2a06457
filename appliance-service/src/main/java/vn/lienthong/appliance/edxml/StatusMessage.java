package vn.lienthong.appliance.edxml;

import java.time.LocalDateTime;
import java.util.List;

/**
 * An edXML status message (QCVN 102:2016): the recipient of a document tells its sender what became
 * of it (arrived, accepted, … ) or a sender asks for it back. It has no body.
 */
public record StatusMessage(Organ from, List<ResponseFor> responseFor, StaffInfo staffInfo, StatusCode statusCode,
                            String description, LocalDateTime timestamp, List<TraceHeader> traceHeaders,
                            boolean signed) implements EdxmlMessage {

    public StatusMessage {
        responseFor = List.copyOf(responseFor);
        traceHeaders = List.copyOf(traceHeaders);
        if (responseFor.isEmpty()) {
            throw new IllegalArgumentException("a status message responds to at least one document");
        }
    }

    @Override
    public List<String> recipientOrganIds() {
        return responseFor.stream().map(ResponseFor::organId).distinct().toList();
    }

    @Override
    public String documentId() {
        return responseFor.getFirst().documentId();
    }
}
