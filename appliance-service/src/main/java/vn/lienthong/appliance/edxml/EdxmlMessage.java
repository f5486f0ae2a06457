package vn.lienthong.appliance.edxml;

import java.io.InputStream;
import java.util.List;

/**
 * An edXML message of QCVN 102:2016 as the appliance understands it: a document or a status
 * message. Made only by the parser, so every instance passed the validation rules; the rest of the
 * appliance reads messages through this model, never by looking into the XML text.
 */
public sealed interface EdxmlMessage permits DocumentMessage, StatusMessage {

    /** MessageHeader/From. */
    Organ from();

    /** The organs the message is for: To of a document, ResponseFor/OrganId of a status message. */
    List<String> recipientOrganIds();

    /** The document's own id, or for a status message the id of the document it reports on. */
    String documentId();

    /** TraceHeaderList/TraceHeader in document order; empty when there is none. */
    List<TraceHeader> traceHeaders();

    /** True when the header carries a Signature element (XMLDSig), whatever its validity. */
    boolean signed();

    /** Reads a message from memory with the default limits. */
    static EdxmlMessage parse(byte[] xml) {
        return EdxmlReader.read(xml, EdxmlLimits.DEFAULT);
    }

    /** Reads a message from memory. */
    static EdxmlMessage parse(byte[] xml, EdxmlLimits limits) {
        return EdxmlReader.read(xml, limits);
    }

    /**
     * Reads a message while it streams in, refusing it as soon as a limit or rule fails, without
     * reading the rest of the stream.
     */
    static EdxmlMessage read(InputStream in, EdxmlLimits limits) {
        return EdxmlReader.read(in, limits);
    }
}
