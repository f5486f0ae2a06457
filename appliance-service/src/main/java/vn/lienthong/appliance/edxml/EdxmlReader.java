package vn.lienthong.appliance.edxml;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParser;
import javax.xml.parsers.SAXParserFactory;
import org.xml.sax.Attributes;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.XMLReader;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Streams an edXML message through the JDK's SAX parser, keeping only the few header fields the
 * appliance routes on, so that a large base64 attachment is never held as a string.
 */
final class EdxmlReader {

    /**
     * How many stray bytes before {@code <?xml} are ignored. {@code edoc_new.edxml} from the
     * Government Office's SDK starts with {@code 1212}; systems that produced it are in service.
     */
    static final int MAX_STRAY_PREFIX_BYTES = 16;

    private static final int MAX_FIELD_CHARS = 4000;
    private static final int MAX_QUOTED_CHARS = 200;
    private static final int MAX_ELEMENT_DEPTH = 100;
    private static final Pattern STATUS_CODE = Pattern.compile("[0-9]{1,4}");

    private static final String DOCTYPE_DISALLOWED = "DOCTYPE is disallowed";

    private EdxmlReader() {
    }

    static EdxmlDocument read(byte[] xml, int maxBytes) {
        if (xml == null || xml.length == 0) {
            throw new EdxmlRejectedException("the document is empty");
        }
        if (xml.length > maxBytes) {
            throw new EdxmlRejectedException("the document is " + xml.length + " bytes, more than the limit of "
                    + maxBytes + " bytes");
        }
        int start = strayPrefixLength(xml);
        Fields fields = new Fields();
        try {
            XMLReader reader = newParser().getXMLReader();
            reader.setContentHandler(fields);
            reader.setErrorHandler(THROWING);
            reader.parse(new InputSource(new ByteArrayInputStream(xml, start, xml.length - start)));
        } catch (Rejection e) {
            throw new EdxmlRejectedException(e.getMessage());
        } catch (SAXParseException e) {
            throw new EdxmlRejectedException(describe(e), e);
        } catch (SAXException e) {
            throw new EdxmlRejectedException("the XML parser refused the document: "
                    + shorten(String.valueOf(e.getMessage())), e);
        } catch (IOException e) {
            // Reading from memory, so an I/O error is a byte sequence invalid in the declared encoding.
            throw new EdxmlRejectedException("the document cannot be decoded in its declared encoding: "
                    + shorten(String.valueOf(e.getMessage())), e);
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK XML parser does not support a required security feature", e);
        } catch (RuntimeException e) {
            // A fault inside the JDK parser on hostile input is still a refused document, not a server error.
            throw new EdxmlRejectedException("the XML parser could not read the document ("
                    + e.getClass().getSimpleName() + ")", e);
        }
        return fields.document();
    }

    /**
     * The number of stray bytes before an XML declaration that is not at the very start. Ignoring
     * them is safe because they are few, plain ASCII letters, digits or whitespace (no markup, so
     * nothing of them can be read as XML by anyone), and what follows them starts with an XML
     * declaration that states its own encoding, so they cannot change how the rest is decoded.
     * Anything else is left for the parser to refuse.
     */
    static int strayPrefixLength(byte[] xml) {
        int limit = Math.min(MAX_STRAY_PREFIX_BYTES, xml.length - 5);
        for (int i = 0; i <= limit; i++) {
            byte b = xml[i];
            if (b == '<') {
                boolean declaration = xml[i + 1] == '?' && xml[i + 2] == 'x' && xml[i + 3] == 'm' && xml[i + 4] == 'l';
                return i > 0 && declaration ? i : 0;
            }
            boolean plain = (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z')
                    || b == ' ' || b == '\t' || b == '\r' || b == '\n';
            if (!plain) {
                return 0;
            }
        }
        return 0;
    }

    private static SAXParser newParser() throws ParserConfigurationException, SAXException {
        // The JDK's own parser, never one found on the class path, so that these features mean what they say.
        SAXParserFactory factory = SAXParserFactory.newDefaultInstance();
        factory.setNamespaceAware(true);
        factory.setValidating(false);
        factory.setXIncludeAware(false);
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
        factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        SAXParser parser = factory.newSAXParser();
        parser.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        parser.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        parser.setProperty("jdk.xml.maxElementDepth", String.valueOf(MAX_ELEMENT_DEPTH));
        parser.setProperty("jdk.xml.elementAttributeLimit", "100");
        parser.setProperty("jdk.xml.maxXMLNameLimit", "1000");
        // Messages in English whatever the server's locale, so that operators and tests see the same sentence.
        parser.setProperty("http://apache.org/xml/properties/locale", Locale.ENGLISH);
        return parser;
    }

    private static String describe(SAXParseException e) {
        String message = shorten(String.valueOf(e.getMessage()).strip());
        if (message.contains(DOCTYPE_DISALLOWED)) {
            return "the document has a DOCTYPE: DTDs are not accepted";
        }
        if (message.endsWith(".")) {
            message = message.substring(0, message.length() - 1);
        }
        if (message.startsWith("JAXP")) {
            return "the document exceeds a parser limit at line " + e.getLineNumber() + ": " + message;
        }
        return "not well-formed XML at line " + e.getLineNumber() + ": " + message;
    }

    /**
     * The parser quotes names and text from the document: keep them on one short line, so that a
     * hostile document cannot write a long or multi-line entry into an operator's log.
     */
    static String shorten(String text) {
        String line = text.replaceAll("\\p{Cntrl}", " ");
        return line.length() <= MAX_QUOTED_CHARS ? line : line.substring(0, MAX_QUOTED_CHARS) + "…";
    }

    /** Turns warnings into nothing and errors into exceptions (the default handler prints to stderr). */
    private static final ErrorHandler THROWING = new ErrorHandler() {
        @Override
        public void warning(SAXParseException e) {
        }

        @Override
        public void error(SAXParseException e) throws SAXParseException {
            throw e;
        }

        @Override
        public void fatalError(SAXParseException e) throws SAXParseException {
            throw e;
        }
    };

    /** A refusal decided by the handler; carried through the parser as a SAXException. */
    private static final class Rejection extends SAXException {
        Rejection(String message) {
            super(message);
        }
    }

    /** The header fields, gathered by path while the parser streams the document. */
    private static final class Fields extends DefaultHandler {
        private static final String[] MESSAGE_HEADER = {"edXML", "edXMLEnvelope", "edXMLHeader", "MessageHeader"};

        /** Local names of the open elements; null for an element outside the QCVN namespace. */
        private final String[] path = new String[MAX_ELEMENT_DEPTH + 2];
        private int depth;

        private StringBuilder text;
        private String textField;
        private int textDepth;

        private int envelopes;
        private int messageHeaders;
        private int bodies;
        private int froms;
        private int organIdsInThisTo;
        private int organIdsInThisResponseFor;
        private final List<String> fromOrganIds = new ArrayList<>();
        private final List<String> toOrganIds = new ArrayList<>();
        private final List<String> responseForOrganIds = new ArrayList<>();
        private final List<String> responseForDocumentIds = new ArrayList<>();
        private final List<String> documentIds = new ArrayList<>();
        private final List<String> subjects = new ArrayList<>();
        private final List<String> statusCodes = new ArrayList<>();

        @Override
        public void startElement(String uri, String localName, String qName, Attributes attributes) throws Rejection {
            if (++depth >= path.length) {
                throw new Rejection("the document nests elements deeper than " + MAX_ELEMENT_DEPTH + " levels");
            }
            boolean qcvn = EdxmlDocument.NAMESPACE.equals(uri);
            path[depth] = qcvn ? localName : null;
            if (depth == 1 && !(qcvn && "edXML".equals(localName))) {
                throw new Rejection("the root element is " + shorten((uri.isEmpty() ? "" : "{" + uri + "}") + localName)
                        + ", not edXML in the QCVN 102:2016 namespace");
            }
            if (at("edXML", "edXMLEnvelope")) {
                envelopes++;
            } else if (at("edXML", "edXMLEnvelope", "edXMLBody")) {
                bodies++;
            } else if (inHeader()) {
                messageHeaders++;
            } else if (inHeader("From")) {
                froms++;
            } else if (inHeader("To")) {
                organIdsInThisTo = 0;
            } else if (inHeader("ResponseFor")) {
                organIdsInThisResponseFor = 0;
            } else if (inHeader("From", "OrganId")) {
                collect("From/OrganId");
            } else if (inHeader("To", "OrganId")) {
                organIdsInThisTo++;
                collect("To/OrganId");
            } else if (inHeader("ResponseFor", "OrganId")) {
                organIdsInThisResponseFor++;
                collect("ResponseFor/OrganId");
            } else if (inHeader("ResponseFor", "DocumentId")) {
                collect("ResponseFor/DocumentId");
            } else if (inHeader("DocumentId")) {
                collect("DocumentId");
            } else if (inHeader("Subject")) {
                collect("Subject");
            } else if (inHeader("StatusCode")) {
                collect("StatusCode");
            }
        }

        @Override
        public void characters(char[] ch, int start, int length) throws Rejection {
            // Only text directly inside a field is kept: attachments' base64 is never accumulated.
            if (text != null && depth == textDepth) {
                if (text.length() + length > MAX_FIELD_CHARS) {
                    throw new Rejection(textField + " is longer than " + MAX_FIELD_CHARS + " characters");
                }
                text.append(ch, start, length);
            }
        }

        @Override
        public void endElement(String uri, String localName, String qName) throws Rejection {
            if (text != null && depth == textDepth) {
                String value = text.toString().strip();
                switch (textField) {
                    case "From/OrganId" -> fromOrganIds.add(value);
                    case "To/OrganId" -> toOrganIds.add(value);
                    case "ResponseFor/OrganId" -> responseForOrganIds.add(value);
                    case "ResponseFor/DocumentId" -> responseForDocumentIds.add(value);
                    case "DocumentId" -> documentIds.add(value);
                    case "Subject" -> subjects.add(value);
                    case "StatusCode" -> statusCodes.add(value);
                    default -> throw new IllegalStateException(textField);
                }
                text = null;
            } else if (inHeader("To") && organIdsInThisTo != 1) {
                throw new Rejection(organIdsInThisTo == 0 ? "a To has no OrganId" : "a To has more than one OrganId");
            } else if (inHeader("ResponseFor") && organIdsInThisResponseFor > 1) {
                throw new Rejection("a ResponseFor has more than one OrganId");
            }
            depth--;
        }

        private void collect(String field) {
            text = new StringBuilder();
            textField = field;
            textDepth = depth;
        }

        private boolean at(String... names) {
            if (depth != names.length) {
                return false;
            }
            for (int i = 0; i < names.length; i++) {
                if (!names[i].equals(path[i + 1])) {
                    return false;
                }
            }
            return true;
        }

        /** True when the open element is MessageHeader ({@code below} empty) or the descendant of it at {@code below}. */
        private boolean inHeader(String... below) {
            if (depth != MESSAGE_HEADER.length + below.length) {
                return false;
            }
            for (int i = 0; i < MESSAGE_HEADER.length; i++) {
                if (!MESSAGE_HEADER[i].equals(path[i + 1])) {
                    return false;
                }
            }
            for (int i = 0; i < below.length; i++) {
                if (!below[i].equals(path[MESSAGE_HEADER.length + 1 + i])) {
                    return false;
                }
            }
            return true;
        }

        EdxmlDocument document() {
            if (envelopes > 1) {
                throw new EdxmlRejectedException("the message has more than one edXMLEnvelope");
            }
            if (messageHeaders == 0) {
                throw new EdxmlRejectedException("edXMLEnvelope/edXMLHeader/MessageHeader is missing");
            }
            if (messageHeaders > 1) {
                throw new EdxmlRejectedException("the message has more than one MessageHeader");
            }
            String statusCode = single("StatusCode", statusCodes);
            if (statusCode != null && bodies > 0) {
                throw new EdxmlRejectedException(
                        "the message has both a StatusCode and an edXMLBody: it is neither a document nor a status message");
            }
            EdxmlDocument.Kind kind = statusCode != null ? EdxmlDocument.Kind.STATUS : EdxmlDocument.Kind.DOCUMENT;

            if (froms > 1) {
                throw new EdxmlRejectedException("the MessageHeader has more than one From");
            }
            String from = single("From/OrganId", fromOrganIds);
            requireOrganId("From/OrganId", from);
            String subject = single("Subject", subjects);
            if (subject != null && subject.isEmpty()) {
                subject = null;
            }

            if (kind == EdxmlDocument.Kind.STATUS) {
                if (!STATUS_CODE.matcher(statusCode).matches()) {
                    throw new EdxmlRejectedException("StatusCode " + OrganId.describe(statusCode) + " is not a number");
                }
                if (responseForOrganIds.isEmpty()) {
                    throw new EdxmlRejectedException("ResponseFor/OrganId is missing");
                }
                responseForOrganIds.forEach(id -> requireOrganId("ResponseFor/OrganId", id));
                List<String> aboutDocuments = distinct(responseForDocumentIds);
                if (aboutDocuments.isEmpty() || aboutDocuments.getFirst().isEmpty()) {
                    throw new EdxmlRejectedException("ResponseFor/DocumentId is missing");
                }
                if (aboutDocuments.size() > 1) {
                    throw new EdxmlRejectedException("the ResponseFor elements name different documents");
                }
                return new EdxmlDocument(kind, from, List.of(), distinct(responseForOrganIds), aboutDocuments.getFirst(),
                        subject, statusCode);
            }
            if (toOrganIds.isEmpty()) {
                throw new EdxmlRejectedException("To/OrganId is missing");
            }
            toOrganIds.forEach(id -> requireOrganId("To/OrganId", id));
            String documentId = single("DocumentId", documentIds);
            if (documentId == null || documentId.isEmpty()) {
                throw new EdxmlRejectedException("DocumentId is missing");
            }
            return new EdxmlDocument(kind, from, distinct(toOrganIds), List.of(), documentId, subject, null);
        }

        private static String single(String field, List<String> values) {
            if (values.size() > 1) {
                throw new EdxmlRejectedException("the MessageHeader has more than one " + field);
            }
            return values.isEmpty() ? null : values.getFirst();
        }

        private static void requireOrganId(String field, String value) {
            if (value == null || value.isEmpty()) {
                throw new EdxmlRejectedException(field + " is missing");
            }
            if (!OrganId.isValid(value)) {
                throw new EdxmlRejectedException(OrganId.describe(value) + " in " + field + " is not an organ id");
            }
        }

        private static List<String> distinct(List<String> values) {
            return List.copyOf(new LinkedHashSet<>(values));
        }
    }
}
