package vn.lienthong.appliance.edxml;

import java.io.ByteArrayOutputStream;
import java.util.Base64;
import org.xml.sax.Attributes;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Builds the bounded tree of a message's QCVN 102:2016 elements while the SAX parser streams it.
 * Elements in other namespaces are skipped (the header is read only from the standard's namespace)
 * and noted on their parent for the validator to refuse, except that an XMLDSig Signature directly in
 * edXMLHeader is noted as the message's signature. Attachments' base64 is decoded in chunks as it
 * arrives, each attachment and all of them together held to the limits.
 */
final class EdxmlTreeBuilder extends DefaultHandler {

    static final String XMLDSIG_NAMESPACE = "http://www.w3.org/2000/09/xmldsig#";
    /** Exclusive C14N's InclusiveNamespaces, the one element of another namespace a Signature may hold. */
    static final String EXCLUSIVE_C14N_NAMESPACE = "http://www.w3.org/2001/10/xml-exc-c14n#";
    /** Characters of header text in the whole message (not counting attachments). */
    static final int MAX_TOTAL_TEXT_CHARS = 1_000_000;
    private static final int DECODE_CHUNK_CHARS = 64 * 1024;

    private final EdxmlLimits limits;
    EdxmlNode root;
    private EdxmlNode current;
    /** Depth inside a skipped subtree (foreign namespace or signature); 0 when not skipping. */
    private int skipping;
    /** Whether the subtree skipped is the XMLDSig Signature in edXMLHeader, which may hold XMLDSig elements only. */
    private boolean xmlDsigSubtree;
    private int elements;
    private long totalText;
    boolean signed;

    private StringBuilder base64;
    private ByteArrayOutputStream decoded;
    private long decodedTotal;
    private int attachments;

    EdxmlTreeBuilder(EdxmlLimits limits) {
        this.limits = limits;
    }

    @Override
    public void startElement(String uri, String localName, String qName, Attributes attributes) throws Rejection {
        if (++elements > limits.maxElements()) {
            throw new Rejection(null, "parser-limit", "the document has more than " + limits.maxElements() + " elements");
        }
        if (skipping > 0) {
            skipping++;
            if (xmlDsigSubtree && !XMLDSIG_NAMESPACE.equals(uri) && !EXCLUSIVE_C14N_NAMESPACE.equals(uri)) {
                // ds:Object and KeyInfo could carry anything, XInclude too, past the appliance to the recipient.
                throw new Rejection(current.path() + "/Signature", "foreign-namespace", "the Signature in edXMLHeader"
                        + " holds the element " + EdxmlReader.shorten((uri.isEmpty() ? "" : "{" + uri + "}") + localName)
                        + ", which is not in the XMLDSig namespace");
            }
            return;
        }
        boolean qcvn = EdxmlDocument.NAMESPACE.equals(uri);
        if (current == null) {
            if (!(qcvn && "edXML".equals(localName))) {
                throw new Rejection(null, "root", "the root element is "
                        + EdxmlReader.shorten((uri.isEmpty() ? "" : "{" + uri + "}") + localName)
                        + ", not edXML in the QCVN 102:2016 namespace");
            }
            root = current = new EdxmlNode(localName, null);
            return;
        }
        if (base64 != null) {
            throw new Rejection(current.path(), "base64", current.path() + " holds an element, not base64 text");
        }
        if ("Signature".equals(localName) && (qcvn || XMLDSIG_NAMESPACE.equals(uri))
                && "edXMLHeader".equals(current.name)) {
            // The XMLDSig is checked on the DOM by the signature verifier, not read into the model.
            signed = true;
            skipping = 1;
            xmlDsigSubtree = XMLDSIG_NAMESPACE.equals(uri);
            return;
        }
        if (!qcvn) {
            // Not read into the model, but noted: a text field or edXMLHeader holding it is refused later.
            if (current.foreignChild == null) {
                current.foreignChild = EdxmlReader.shorten((uri.isEmpty() ? "" : "{" + uri + "}") + localName);
            }
            skipping = 1;
            return;
        }
        // Mixed content is not part of edXML: the indentation before a child is dropped.
        current.text = null;
        current = new EdxmlNode(localName, current);
        if ("ContentTransferEncoded".equals(localName) && current.parent.name.equals("Attachment")
                && current.parent.parent != null && current.parent.parent.name.equals("AttachmentEncoded")) {
            base64 = new StringBuilder();
            decoded = new ByteArrayOutputStream();
            attachments++;
        }
    }

    @Override
    public void characters(char[] ch, int start, int length) throws Rejection {
        if (skipping > 0 || current == null) {
            return;
        }
        if (base64 != null) {
            appendBase64(ch, start, length);
            return;
        }
        if (!current.children.isEmpty()) {
            return;
        }
        if (current.text == null) {
            current.text = new StringBuilder();
        }
        if (current.text.length() + length > limits.maxFieldChars()) {
            throw new Rejection(current.path(), "max-length", relative(current) + " is longer than "
                    + limits.maxFieldChars() + " characters");
        }
        totalText += length;
        if (totalText > MAX_TOTAL_TEXT_CHARS) {
            throw new Rejection(null, "parser-limit", "the header text is longer than " + MAX_TOTAL_TEXT_CHARS
                    + " characters in all");
        }
        current.text.append(ch, start, length);
    }

    @Override
    public void endElement(String uri, String localName, String qName) throws Rejection {
        if (skipping > 0) {
            skipping--;
            xmlDsigSubtree &= skipping > 0;
            return;
        }
        if (base64 != null) {
            decodeChunk(true);
            current.parent.content = decoded.toByteArray();
            base64 = null;
            decoded = null;
        }
        current = current.parent;
    }

    private void appendBase64(char[] ch, int start, int length) throws Rejection {
        for (int i = start; i < start + length; i++) {
            char c = ch[i];
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                continue;
            }
            boolean alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '+' || c == '/' || c == '=';
            if (!alphabet) {
                throw new Rejection(current.path(), "base64", "attachment " + attachments
                        + " is not valid base64: it contains a character outside the base64 alphabet");
            }
            base64.append(c);
        }
        if (base64.length() >= DECODE_CHUNK_CHARS) {
            decodeChunk(false);
        }
    }

    private void decodeChunk(boolean last) throws Rejection {
        int usable = last ? base64.length() : base64.length() - base64.length() % 4;
        if (last && usable % 4 != 0) {
            throw new Rejection(current.path(), "base64", "attachment " + attachments
                    + " is not valid base64: its length is not a multiple of 4");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64.substring(0, usable));
        } catch (IllegalArgumentException e) {
            throw new Rejection(current.path(), "base64", "attachment " + attachments
                    + " is not valid base64: padding in the middle");
        }
        base64.delete(0, usable);
        if (decoded.size() + (long) bytes.length > limits.maxAttachmentBytes()) {
            throw new Rejection(current.path(), "attachment-size", "attachment " + attachments
                    + " is larger than the limit of " + limits.maxAttachmentBytes() + " bytes");
        }
        decodedTotal += bytes.length;
        if (decodedTotal > limits.maxTotalAttachmentBytes()) {
            throw new Rejection(current.path(), "attachments-total-size", "the attachments together are larger"
                    + " than the limit of " + limits.maxTotalAttachmentBytes() + " bytes");
        }
        decoded.write(bytes, 0, bytes.length);
    }

    /** The path below MessageHeader when the node is in it (the form operators know), else from the root. */
    static String relative(EdxmlNode node) {
        String path = node.path();
        String header = "edXML/edXMLEnvelope/edXMLHeader/MessageHeader/";
        return path.startsWith(header) ? path.substring(header.length()) : path;
    }

    /** A refusal decided while streaming; carried through the parser as a SAXException. */
    static final class Rejection extends SAXException {
        private final String element;
        private final String rule;

        Rejection(String element, String rule, String message) {
            super(message);
            this.element = element;
            this.rule = rule;
        }

        EdxmlRejectedException rejection() {
            return new EdxmlRejectedException(element, rule, getMessage());
        }
    }
}
