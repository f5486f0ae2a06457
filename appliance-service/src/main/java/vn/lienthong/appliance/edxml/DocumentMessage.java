package vn.lienthong.appliance.edxml;

import java.time.LocalDate;
import java.util.List;

/**
 * An edXML document message (QCVN 102:2016): the MessageHeader's fields, the trace and business
 * information, the manifest and the decoded attachments. Optional parts are null (or empty lists).
 */
public record DocumentMessage(Organ from, List<Organ> to, String documentId, DocumentCode code,
                              PromulgationInfo promulgationInfo, DocumentType documentType, String subject,
                              String content, SignerInfo signerInfo, LocalDate dueDate, OtherInfo otherInfo,
                              List<ResponseFor> responseFor, String steeringType, List<String> toPlaces,
                              List<TraceHeader> traceHeaders, Business business,
                              List<ManifestReference> references, List<Attachment> attachments, boolean signed)
        implements EdxmlMessage {

    public DocumentMessage {
        to = List.copyOf(to);
        responseFor = List.copyOf(responseFor);
        toPlaces = List.copyOf(toPlaces);
        traceHeaders = List.copyOf(traceHeaders);
        references = List.copyOf(references);
        attachments = List.copyOf(attachments);
        if (to.isEmpty()) {
            throw new IllegalArgumentException("a document has at least one To");
        }
    }

    @Override
    public List<String> recipientOrganIds() {
        return to.stream().map(Organ::organId).distinct().toList();
    }

    /** What the document does: new, revoke, update or replace (new when there is no Bussiness part). */
    public Business.DocType businessDocType() {
        return business == null || business.docType() == null ? Business.DocType.NEW : business.docType();
    }
}
