package vn.lienthong.appliance.edxml;

import java.util.List;
import java.util.Objects;

/**
 * What the appliance needs to know about an edXML message (QCVN 102:2016) to route it: whether it
 * is a document or a status message, who sent it, to whom, and which document it is or is about.
 * A routing view of {@link EdxmlMessage}, the full model: made by {@link #of} or {@link #parse}.
 *
 * @param kind                 a document, or a status message (StatusCode and no edXMLBody)
 * @param fromOrganId          From/OrganId, a valid organ id
 * @param toOrganIds           the To/OrganId values in document order without repeats; empty for a status message
 * @param responseForOrganIds  for a status message the ResponseFor/OrganId values (its recipients); empty for a document
 * @param documentId           MessageHeader/DocumentId of a document, or for a status message the
 *                             ResponseFor/DocumentId of the document it reports on; an opaque string
 * @param subject              MessageHeader/Subject, or null when absent or empty
 * @param statusCode           MessageHeader/StatusCode of a status message ("01" … "16"); null for a document
 */
public record EdxmlDocument(Kind kind, String fromOrganId, List<String> toOrganIds, List<String> responseForOrganIds,
                            String documentId, String subject, String statusCode) {

    /** The QCVN 102:2016 namespace every edXML element the appliance reads must be in. */
    public static final String NAMESPACE = "http://www.mic.gov.vn/TBT/QCVN_102_2016";

    /** The size above which {@link #parse(byte[])} refuses a message without reading it. */
    public static final int DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

    /** The two kinds of edXML message. */
    public enum Kind { DOCUMENT, STATUS }

    public EdxmlDocument {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(documentId, "documentId");
        OrganId.of(fromOrganId);
        toOrganIds = List.copyOf(toOrganIds);
        responseForOrganIds = List.copyOf(responseForOrganIds);
        toOrganIds.forEach(OrganId::of);
        responseForOrganIds.forEach(OrganId::of);
        if ((kind == Kind.STATUS) != (statusCode != null)) {
            throw new IllegalArgumentException("a status message, and only a status message, has a status code");
        }
    }

    /**
     * Reads an edXML message of at most {@link #DEFAULT_MAX_BYTES}.
     *
     * @throws EdxmlRejectedException with one plain sentence when the bytes are not an acceptable edXML message
     */
    public static EdxmlDocument parse(byte[] xml) {
        return parse(xml, DEFAULT_MAX_BYTES);
    }

    /**
     * Reads an edXML message of at most {@code maxBytes}: namespace-aware, DOCTYPE refused, no
     * external entities or XInclude, the JDK's secure-processing limits on.
     *
     * @throws EdxmlRejectedException with one plain sentence when the bytes are not an acceptable edXML message
     */
    public static EdxmlDocument parse(byte[] xml, int maxBytes) {
        return of(EdxmlMessage.parse(xml, EdxmlLimits.DEFAULT.withMaxBytes(maxBytes)));
    }

    /** The routing fields of a parsed message. */
    public static EdxmlDocument of(EdxmlMessage message) {
        return switch (message) {
            case DocumentMessage d -> new EdxmlDocument(Kind.DOCUMENT, d.from().organId(), d.recipientOrganIds(),
                    List.of(), d.documentId(), d.subject(), null);
            case StatusMessage s -> new EdxmlDocument(Kind.STATUS, s.from().organId(), List.of(), s.recipientOrganIds(),
                    s.documentId(), null, s.statusCode().code());
        };
    }

    /** Whom the message is for: To of a document, ResponseFor/OrganId of a status message. */
    public List<String> recipientOrganIds() {
        return kind == Kind.DOCUMENT ? toOrganIds : responseForOrganIds;
    }
}
