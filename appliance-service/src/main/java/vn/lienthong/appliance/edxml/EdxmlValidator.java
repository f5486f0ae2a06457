package vn.lienthong.appliance.edxml;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules of QCVN 102:2016 (as far as the published samples show them) applied to the tree of a
 * message: which parts are required, how many of each, organ ids, dates, status codes and lengths.
 * Each failure names the element's path and the rule.
 */
final class EdxmlValidator {

    /** QCVN 102:2016 dates, e.g. 2015/09/30. */
    static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("uuuu/MM/dd").withResolverStyle(ResolverStyle.STRICT);
    /** QCVN 102:2016 timestamps, e.g. 2015/09/20 11:08:36. */
    static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("uuuu/MM/dd HH:mm:ss")
            .withResolverStyle(ResolverStyle.STRICT);

    // Vendors' validators (EDXML.md): longer values are refused by the systems that would receive them.
    static final int MAX_SUBJECT_CHARS = 500;
    static final int MAX_CONTENT_CHARS = 500;
    static final int MAX_ATTACHMENT_NAME_CHARS = 200;
    static final int MAX_PLACE_CHARS = 150;

    private EdxmlValidator() {
    }

    static EdxmlMessage message(EdxmlTreeBuilder tree) {
        EdxmlNode root = tree.root;
        EdxmlNode envelope = single(root, "edXMLEnvelope", "the message has more than one edXMLEnvelope");
        EdxmlNode header = envelope == null ? null : single(envelope, "edXMLHeader",
                "the message has more than one edXMLHeader");
        if (header == null || header.count("MessageHeader") == 0) {
            throw new EdxmlRejectedException("edXML/edXMLEnvelope/edXMLHeader/MessageHeader", "required",
                    "edXMLEnvelope/edXMLHeader/MessageHeader is missing");
        }
        EdxmlNode messageHeader = single(header, "MessageHeader", "the message has more than one MessageHeader");
        EdxmlNode statusCode = single(messageHeader, "StatusCode", "the MessageHeader has more than one StatusCode");
        boolean body = envelope.count("edXMLBody") > 0;
        if (statusCode != null && body) {
            throw new EdxmlRejectedException(statusCode.path(), "kind", "the message has both a StatusCode and an"
                    + " edXMLBody: it is neither a document nor a status message");
        }
        if (messageHeader.count("From") > 1) {
            throw new EdxmlRejectedException(messageHeader.all("From").get(1).path(), "single",
                    "the MessageHeader has more than one From");
        }
        Organ from = organ(messageHeader.all("From").isEmpty() ? null : messageHeader.all("From").getFirst(),
                messageHeader, "From");
        List<TraceHeader> traces = traceHeaders(header);
        EdxmlMessage message = statusCode != null ? status(messageHeader, statusCode, from, traces, tree.signed)
                : document(root, envelope, header, messageHeader, from, traces, tree.signed);
        refuseForeignElements(header);
        return message;
    }

    /**
     * Refuses an element of another namespace anywhere in edXMLHeader (the XMLDSig Signature directly
     * in it excepted, which the tree builder keeps apart): the appliance reads the header in the
     * standard's namespace only, so anything else there would reach the recipient unchecked.
     */
    private static void refuseForeignElements(EdxmlNode node) {
        if (node.foreignChild != null) {
            throw new EdxmlRejectedException(node.path(), "foreign-namespace", EdxmlTreeBuilder.relative(node)
                    + " holds the element " + node.foreignChild + ", which is not in the QCVN 102:2016 namespace");
        }
        for (EdxmlNode child : node.children) {
            refuseForeignElements(child);
        }
    }

    private static StatusMessage status(EdxmlNode mh, EdxmlNode statusCodeNode, Organ from,
                                        List<TraceHeader> traces, boolean signed) {
        String code = statusCodeNode.value();
        StatusCode statusCode = code == null ? null : StatusCode.ofCode(code);
        if (statusCode == null) {
            throw new EdxmlRejectedException(statusCodeNode.path(), "status-code", "StatusCode "
                    + OrganId.describe(code) + " is not one of 01, 02, 03, 04, 05, 06, 13, 15 or 16");
        }
        List<ResponseFor> responses = new ArrayList<>();
        for (EdxmlNode r : mh.all("ResponseFor")) {
            responses.add(responseFor(r, true));
        }
        if (responses.isEmpty()) {
            throw new EdxmlRejectedException(mh.pathOf("ResponseFor/OrganId"), "required", "ResponseFor/OrganId is missing");
        }
        if (responses.stream().map(ResponseFor::documentId).distinct().count() > 1) {
            throw new EdxmlRejectedException(mh.all("ResponseFor").get(1).path(), "single-document",
                    "the ResponseFor elements name different documents");
        }
        EdxmlNode timestampNode = single(mh, "Timestamp", "the MessageHeader has more than one Timestamp");
        if (timestampNode == null || timestampNode.value() == null) {
            throw new EdxmlRejectedException(mh.pathOf("Timestamp"), "required", "Timestamp is missing");
        }
        return new StatusMessage(from, responses, staffInfo(single(mh, "StaffInfo", null)), statusCode,
                text(mh, "Description", Integer.MAX_VALUE), timestamp(timestampNode), traces, signed);
    }

    private static DocumentMessage document(EdxmlNode root, EdxmlNode envelope, EdxmlNode header, EdxmlNode mh,
                                            Organ from, List<TraceHeader> traces, boolean signed) {
        List<Organ> to = new ArrayList<>();
        for (EdxmlNode t : mh.all("To")) {
            if (t.count("OrganId") == 0) {
                throw new EdxmlRejectedException(t.pathOf("OrganId"), "required", "a To has no OrganId");
            }
            to.add(organ(t, mh, "To"));
        }
        if (to.isEmpty()) {
            throw new EdxmlRejectedException(mh.pathOf("To/OrganId"), "required", "To/OrganId is missing");
        }
        String documentId = requiredText(mh, "DocumentId");
        EdxmlNode codeNode = required(mh, "Code");
        DocumentCode code = new DocumentCode(text(codeNode, "CodeNumber", Integer.MAX_VALUE),
                text(codeNode, "CodeNotation", Integer.MAX_VALUE));
        EdxmlNode promulgation = required(mh, "PromulgationInfo");
        EdxmlNode promulgationDate = single(promulgation, "PromulgationDate", "PromulgationInfo has more than one PromulgationDate");
        if (promulgationDate == null || promulgationDate.value() == null) {
            throw new EdxmlRejectedException(promulgation.pathOf("PromulgationDate"), "required",
                    "PromulgationInfo/PromulgationDate is missing");
        }
        PromulgationInfo promulgationInfo = new PromulgationInfo(text(promulgation, "Place", MAX_PLACE_CHARS),
                date(promulgationDate));
        EdxmlNode typeNode = single(mh, "DocumentType", "the MessageHeader has more than one DocumentType");
        DocumentType documentType = typeNode == null ? null : new DocumentType(text(typeNode, "Type", Integer.MAX_VALUE),
                text(typeNode, "TypeDetail", Integer.MAX_VALUE), text(typeNode, "TypeName", Integer.MAX_VALUE));
        String subject = text(mh, "Subject", MAX_SUBJECT_CHARS);
        if (subject == null) {
            throw new EdxmlRejectedException(mh.pathOf("Subject"), "required", "Subject is missing");
        }
        String content = text(mh, "Content", MAX_CONTENT_CHARS);
        EdxmlNode signerNode = single(mh, "SignerInfo", "the MessageHeader has more than one SignerInfo");
        SignerInfo signer = signerNode == null ? null : new SignerInfo(text(signerNode, "Competence", Integer.MAX_VALUE),
                text(signerNode, "Position", Integer.MAX_VALUE), text(signerNode, "FullName", Integer.MAX_VALUE));
        EdxmlNode due = single(mh, "DueDate", "the MessageHeader has more than one DueDate");
        LocalDate dueDate = due == null || due.value() == null ? null : date(due);
        OtherInfo other = otherInfo(single(mh, "OtherInfo", "the MessageHeader has more than one OtherInfo"));
        List<ResponseFor> responses = new ArrayList<>();
        for (EdxmlNode r : mh.all("ResponseFor")) {
            responses.add(responseFor(r, false));
        }
        List<String> places = new ArrayList<>();
        EdxmlNode toPlaces = single(mh, "ToPlaces", "the MessageHeader has more than one ToPlaces");
        if (toPlaces != null) {
            for (EdxmlNode p : toPlaces.all("Place")) {
                String place = bounded(p, MAX_PLACE_CHARS);
                if (place != null) {
                    places.add(place);
                }
            }
        }
        Business business = business(header);
        List<ManifestReference> references = new ArrayList<>();
        EdxmlNode body = single(envelope, "edXMLBody", "the message has more than one edXMLBody");
        EdxmlNode manifest = body == null ? null : single(body, "edXMLManifest", "the body has more than one edXMLManifest");
        if (manifest != null) {
            for (EdxmlNode r : manifest.all("Reference")) {
                references.add(new ManifestReference(text(r, "ContentId", Integer.MAX_VALUE),
                        text(r, "ContentType", Integer.MAX_VALUE), text(r, "Description", Integer.MAX_VALUE),
                        text(r, "AttachmentName", MAX_ATTACHMENT_NAME_CHARS)));
            }
        }
        List<Attachment> attachments = new ArrayList<>();
        for (EdxmlNode encoded : root.all("AttachmentEncoded")) {
            for (EdxmlNode a : encoded.all("Attachment")) {
                if (a.content == null) {
                    throw new EdxmlRejectedException(a.pathOf("ContentTransferEncoded"), "required",
                            "an Attachment has no ContentTransferEncoded");
                }
                attachments.add(new Attachment(text(a, "ContentId", Integer.MAX_VALUE),
                        text(a, "AttachmentName", MAX_ATTACHMENT_NAME_CHARS), text(a, "Description", Integer.MAX_VALUE),
                        text(a, "ContentType", Integer.MAX_VALUE), a.content));
            }
        }
        return new DocumentMessage(from, to, documentId, code, promulgationInfo, documentType, subject, content, signer,
                dueDate, other, responses, text(mh, "SteeringType", Integer.MAX_VALUE), places, traces, business,
                references, attachments, signed);
    }

    private static Organ organ(EdxmlNode node, EdxmlNode parent, String role) {
        if (node == null) {
            throw new EdxmlRejectedException(parent.pathOf(role + "/OrganId"), "required", role + "/OrganId is missing");
        }
        EdxmlNode id = single(node, "OrganId", role.equals("From") ? "the MessageHeader has more than one From/OrganId"
                : "a " + role + " has more than one OrganId");
        String organId = organId(id, node.pathOf("OrganId"), role + "/OrganId");
        return new Organ(organId, text(node, "OrganizationInCharge", Integer.MAX_VALUE),
                text(node, "OrganName", Integer.MAX_VALUE), text(node, "OrganAdd", Integer.MAX_VALUE),
                text(node, "Email", Integer.MAX_VALUE), text(node, "Telephone", Integer.MAX_VALUE),
                text(node, "Fax", Integer.MAX_VALUE), text(node, "Website", Integer.MAX_VALUE));
    }

    private static String organId(EdxmlNode node, String missingPath, String field) {
        String value = node == null ? null : node.value();
        if (value == null) {
            throw new EdxmlRejectedException(missingPath, "required", field + " is missing");
        }
        if (!OrganId.isValid(value)) {
            throw new EdxmlRejectedException(node.path(), "organ-id", OrganId.describe(value) + " in " + field
                    + " is not an organ id");
        }
        return value;
    }

    private static ResponseFor responseFor(EdxmlNode node, boolean status) {
        EdxmlNode id = single(node, "OrganId", "a ResponseFor has more than one OrganId");
        String organId = organId(id, node.pathOf("OrganId"), "ResponseFor/OrganId");
        String documentId = text(node, "DocumentId", Integer.MAX_VALUE);
        if (documentId == null && status) {
            throw new EdxmlRejectedException(node.pathOf("DocumentId"), "required", "ResponseFor/DocumentId is missing");
        }
        EdxmlNode dateNode = single(node, "PromulgationDate", "a ResponseFor has more than one PromulgationDate");
        LocalDate date = dateNode == null || dateNode.value() == null ? null : date(dateNode);
        return new ResponseFor(organId, text(node, "Code", Integer.MAX_VALUE), date,
                documentId == null ? "" : documentId);
    }

    private static List<TraceHeader> traceHeaders(EdxmlNode header) {
        List<TraceHeader> traces = new ArrayList<>();
        EdxmlNode list = single(header, "TraceHeaderList", "the edXMLHeader has more than one TraceHeaderList");
        if (list == null) {
            return traces;
        }
        for (EdxmlNode t : list.all("TraceHeader")) {
            String organId = organId(single(t, "OrganId", "a TraceHeader has more than one OrganId"),
                    t.pathOf("OrganId"), "TraceHeader/OrganId");
            EdxmlNode ts = single(t, "Timestamp", "a TraceHeader has more than one Timestamp");
            if (ts == null || ts.value() == null) {
                throw new EdxmlRejectedException(t.pathOf("Timestamp"), "required", "TraceHeader/Timestamp is missing");
            }
            traces.add(new TraceHeader(organId, timestamp(ts)));
        }
        return traces;
    }

    private static Business business(EdxmlNode header) {
        EdxmlNode list = single(header, "TraceHeaderList", null);
        if (list == null) {
            return null;
        }
        List<EdxmlNode> parts = new ArrayList<>(list.all("Bussiness"));
        parts.addAll(list.all("Business"));
        if (parts.isEmpty()) {
            return null;
        }
        if (parts.size() > 1) {
            throw new EdxmlRejectedException(parts.get(1).path(), "single", "the TraceHeaderList has more than one Bussiness");
        }
        EdxmlNode b = parts.getFirst();
        Business.Spelling spelling = b.name.equals("Bussiness") ? Business.Spelling.BUSSINESS : Business.Spelling.BUSINESS;
        String prefix = b.name;
        EdxmlNode typeNode = single(b, prefix + "DocType", null);
        if (typeNode == null) {
            // A vendor may mix the spellings inside one part: accept the other one too.
            typeNode = single(b, spelling == Business.Spelling.BUSSINESS ? "BusinessDocType" : "BussinessDocType", null);
        }
        Business.DocType docType = null;
        if (typeNode != null && typeNode.value() != null) {
            docType = Business.DocType.ofCode(typeNode.value());
            if (docType == null) {
                throw new EdxmlRejectedException(typeNode.path(), "business-doc-type", typeNode.name + " "
                        + OrganId.describe(typeNode.value()) + " is not 0 (new), 1 (revoke), 2 (update) or 3 (replace)");
            }
        }
        String reason = text(b, prefix + "DocReason", Integer.MAX_VALUE);
        if (reason == null) {
            reason = text(b, spelling == Business.Spelling.BUSSINESS ? "BusinessDocReason" : "BussinessDocReason",
                    Integer.MAX_VALUE);
        }
        List<String> replaced = new ArrayList<>();
        EdxmlNode replacements = single(b, "ReplacementInfoList", null);
        if (replacements != null) {
            for (EdxmlNode r : replacements.all("ReplacementInfo")) {
                String id = text(r, "DocumentId", Integer.MAX_VALUE);
                if (id != null) {
                    replaced.add(id);
                }
            }
        }
        return new Business(text(b, "DocumentId", Integer.MAX_VALUE), docType, reason, text(b, "Paper", Integer.MAX_VALUE),
                replaced, staffInfo(single(b, "StaffInfo", null)), spelling);
    }

    private static OtherInfo otherInfo(EdxmlNode node) {
        if (node == null) {
            return null;
        }
        List<String> appendixes = new ArrayList<>();
        EdxmlNode list = single(node, "Appendixes", null);
        if (list != null) {
            for (EdxmlNode a : list.all("Appendix")) {
                if (a.value() != null) {
                    appendixes.add(a.value());
                }
            }
        }
        return new OtherInfo(text(node, "Priority", Integer.MAX_VALUE), text(node, "SphereOfPromulgation", Integer.MAX_VALUE),
                text(node, "TyperNotation", Integer.MAX_VALUE), text(node, "PromulgationAmount", Integer.MAX_VALUE),
                text(node, "PageAmount", Integer.MAX_VALUE), text(node, "Direction", Integer.MAX_VALUE), appendixes);
    }

    private static StaffInfo staffInfo(EdxmlNode node) {
        return node == null ? null : new StaffInfo(text(node, "Department", Integer.MAX_VALUE),
                text(node, "Staff", Integer.MAX_VALUE), text(node, "Email", Integer.MAX_VALUE),
                text(node, "Mobile", Integer.MAX_VALUE));
    }

    private static LocalDate date(EdxmlNode node) {
        try {
            return LocalDate.parse(node.value(), DATE);
        } catch (DateTimeParseException e) {
            throw new EdxmlRejectedException(node.path(), "date", EdxmlTreeBuilder.relative(node) + " "
                    + OrganId.describe(node.value()) + " is not a date in the form yyyy/MM/dd");
        }
    }

    private static LocalDateTime timestamp(EdxmlNode node) {
        try {
            return LocalDateTime.parse(node.value(), TIMESTAMP);
        } catch (DateTimeParseException e) {
            throw new EdxmlRejectedException(node.path(), "timestamp", EdxmlTreeBuilder.relative(node) + " "
                    + OrganId.describe(node.value()) + " is not a timestamp in the form yyyy/MM/dd HH:mm:ss");
        }
    }

    private static EdxmlNode required(EdxmlNode parent, String name) {
        EdxmlNode node = single(parent, name, "the " + parent.name + " has more than one " + name);
        if (node == null) {
            throw new EdxmlRejectedException(parent.pathOf(name), "required", name + " is missing");
        }
        return node;
    }

    private static String requiredText(EdxmlNode parent, String name) {
        String value = text(parent, name, Integer.MAX_VALUE);
        if (value == null) {
            throw new EdxmlRejectedException(parent.pathOf(name), "required", name + " is missing");
        }
        return value;
    }

    /** The text of the only child of that name, or null; more than one is refused. */
    private static String text(EdxmlNode parent, String name, int maxChars) {
        EdxmlNode node = single(parent, name, "the " + parent.name + " has more than one " + name);
        return node == null ? null : bounded(node, maxChars);
    }

    private static String bounded(EdxmlNode node, int maxChars) {
        String value = node.value();
        if (value != null && value.length() > maxChars) {
            throw new EdxmlRejectedException(node.path(), "max-length", EdxmlTreeBuilder.relative(node)
                    + " is longer than " + maxChars + " characters");
        }
        return value;
    }

    private static EdxmlNode single(EdxmlNode parent, String name, String tooMany) {
        List<EdxmlNode> found = parent.all(name);
        if (found.size() > 1) {
            throw new EdxmlRejectedException(found.get(1).path(), "single",
                    tooMany != null ? tooMany : "the " + parent.name + " has more than one " + name);
        }
        return found.isEmpty() ? null : found.getFirst();
    }
}
