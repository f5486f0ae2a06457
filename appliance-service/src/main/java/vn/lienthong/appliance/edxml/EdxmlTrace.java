package vn.lienthong.appliance.edxml;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Arrays;
import javax.xml.namespace.QName;
import javax.xml.stream.XMLEventFactory;
import javax.xml.stream.XMLEventReader;
import javax.xml.stream.XMLEventWriter;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import javax.xml.stream.events.EndElement;
import javax.xml.stream.events.StartDocument;
import javax.xml.stream.events.XMLEvent;

/**
 * Adds the appliance's TraceHeader (organ id, timestamp) to an edXML message as it leaves, as the
 * axis does in transit (QCVN 102:2016 TraceHeaderList). A UTF-8 message keeps its bytes: StAX reads
 * it only as far as the end of its header, and the TraceHeader is put in before that end tag. Other
 * encodings are streamed through StAX events and written again. A message the parser accepted is
 * the only input.
 */
public final class EdxmlTrace {

    /** Timestamps in TraceHeader are Vietnam's local time, as written by the agencies' systems. */
    public static final ZoneId VIETNAM = ZoneId.of("Asia/Ho_Chi_Minh");

    private EdxmlTrace() {
    }

    /**
     * The message with one more TraceHeader at the end of TraceHeaderList (made at the end of
     * edXMLHeader when there is none).
     */
    public static byte[] append(byte[] xml, String organId, Instant at) {
        OrganId.of(organId);
        String timestamp = EdxmlValidator.TIMESTAMP.format(at.atZone(VIETNAM).toLocalDateTime());
        XMLInputFactory inputs = XMLInputFactory.newDefaultFactory();
        inputs.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        inputs.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        inputs.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
        byte[] spliced = splice(xml, organId, timestamp, inputs);
        return spliced != null ? spliced : rewrite(xml, organId, timestamp, inputs);
    }

    /**
     * The UTF-8 message with the TraceHeader put in before the end tag it belongs before, every other
     * byte unchanged; {@code null} when the message is not UTF-8 or the end tag is not where StAX
     * says (then {@link #rewrite} stamps it). Re-writing a message through StAX events cost a fifth of
     * the sender's CPU, most of it on attachments' base64 that the stamp never touches.
     */
    static byte[] splice(byte[] xml, String organId, String timestamp, XMLInputFactory inputs) {
        int start = EdxmlReader.strayPrefixLength(xml);
        try {
            XMLStreamReader reader = inputs.createXMLStreamReader(
                    new ByteArrayInputStream(xml, start, xml.length - start));
            try {
                String encoding = reader.getEncoding();
                if (encoding == null || !"UTF-8".equalsIgnoreCase(encoding)) {
                    return null;
                }
                int depth = 0;
                String[] path = new String[EdxmlReader.MAX_ELEMENT_DEPTH + 2];
                while (reader.hasNext()) {
                    int event = reader.next();
                    if (event == XMLStreamConstants.START_ELEMENT) {
                        path[++depth] = EdxmlDocument.NAMESPACE.equals(reader.getNamespaceURI())
                                ? reader.getLocalName() : null;
                    } else if (event == XMLStreamConstants.END_ELEMENT) {
                        boolean inList = depth == 4 && "TraceHeaderList".equals(path[4])
                                && "edXMLHeader".equals(path[3]);
                        boolean headerEnd = depth == 3 && "edXMLHeader".equals(path[3]);
                        if (inList || headerEnd) {
                            String prefix = reader.getPrefix() == null ? "" : reader.getPrefix();
                            String qname = (prefix.isEmpty() ? "" : prefix + ":") + reader.getLocalName();
                            int at = endTagStart(xml, start, reader.getLocation().getCharacterOffset(), qname);
                            if (at < 0) {
                                return null;
                            }
                            String p = prefix.isEmpty() ? "" : prefix + ":";
                            String stamp = "<" + p + "TraceHeader><" + p + "OrganId>" + organId + "</" + p
                                    + "OrganId><" + p + "Timestamp>" + timestamp + "</" + p + "Timestamp></" + p
                                    + "TraceHeader>";
                            if (headerEnd) {
                                stamp = "<" + p + "TraceHeaderList>" + stamp + "</" + p + "TraceHeaderList>";
                            }
                            byte[] inserted = stamp.getBytes(StandardCharsets.UTF_8);
                            byte[] out = new byte[xml.length - start + inserted.length];
                            System.arraycopy(xml, start, out, 0, at - start);
                            System.arraycopy(inserted, 0, out, at - start, inserted.length);
                            System.arraycopy(xml, at, out, at - start + inserted.length, xml.length - at);
                            return out;
                        }
                        depth--;
                    }
                }
                return null;
            } finally {
                reader.close();
            }
        } catch (XMLStreamException e) {
            return null;
        }
    }

    /**
     * Where the end tag {@code </qname>} that ends at UTF-16 offset {@code charsAfter} (counted from
     * {@code start}, after any byte order mark) begins in {@code xml}; -1 if it is not there.
     */
    private static int endTagStart(byte[] xml, int start, int charsAfter, String qname) {
        int i = start;
        if (xml.length - i >= 3 && (xml[i] & 0xFF) == 0xEF && (xml[i + 1] & 0xFF) == 0xBB
                && (xml[i + 2] & 0xFF) == 0xBF) {
            i += 3;
        }
        int chars = 0;
        while (chars < charsAfter && i < xml.length) {
            int lead = xml[i] & 0xFF;
            if (lead < 0x80) {
                i += 1;
                chars += 1;
            } else if (lead >= 0xF0) {
                i += 4;
                chars += 2;
            } else if (lead >= 0xE0) {
                i += 3;
                chars += 1;
            } else {
                i += 2;
                chars += 1;
            }
        }
        if (chars != charsAfter || i > xml.length || i < 1 || xml[i - 1] != '>') {
            return -1;
        }
        int open = i - 2;
        while (open > start && !(xml[open] == '<' && xml[open + 1] == '/')) {
            open--;
        }
        byte[] name = qname.getBytes(StandardCharsets.UTF_8);
        int after = open + 2 + name.length;
        if (xml[open] != '<' || after > i - 1 || !Arrays.equals(xml, open + 2, after, name, 0, name.length)) {
            return -1;
        }
        for (int k = after; k < i - 1; k++) {
            if (xml[k] != ' ' && xml[k] != '\t' && xml[k] != '\r' && xml[k] != '\n') {
                return -1;
            }
        }
        return open;
    }

    /** The message stamped by streaming all of it through StAX events and writing it again. */
    static byte[] rewrite(byte[] xml, String organId, String timestamp, XMLInputFactory inputs) {
        XMLEventFactory events = XMLEventFactory.newDefaultFactory();
        ByteArrayOutputStream out = new ByteArrayOutputStream(xml.length + 256);
        try {
            int start = EdxmlReader.strayPrefixLength(xml);
            XMLEventReader reader = inputs.createXMLEventReader(new ByteArrayInputStream(xml, start, xml.length - start));
            XMLEventWriter writer = null;
            int depth = 0;
            boolean added = false;
            String[] path = new String[EdxmlReader.MAX_ELEMENT_DEPTH + 2];
            while (reader.hasNext()) {
                XMLEvent event = reader.nextEvent();
                if (writer == null) {
                    String encoding = event instanceof StartDocument sd && sd.encodingSet() ? sd.getCharacterEncodingScheme() : "UTF-8";
                    writer = XMLOutputFactory.newDefaultFactory().createXMLEventWriter(out, encoding);
                    if (!(event instanceof StartDocument)) {
                        writer.add(events.createStartDocument(encoding, "1.0"));
                    }
                }
                if (event.isStartElement()) {
                    QName name = event.asStartElement().getName();
                    path[++depth] = EdxmlDocument.NAMESPACE.equals(name.getNamespaceURI()) ? name.getLocalPart() : null;
                } else if (event.isEndElement() && !added) {
                    EndElement end = event.asEndElement();
                    String prefix = end.getName().getPrefix();
                    if (depth == 4 && "TraceHeaderList".equals(path[4]) && "edXMLHeader".equals(path[3])) {
                        traceHeader(writer, events, prefix, organId, timestamp);
                        added = true;
                    } else if (depth == 3 && "edXMLHeader".equals(path[3])) {
                        // No TraceHeaderList: a new one closes the header, after MessageHeader (a message
                        // with a Signature is never stamped, so nothing can follow it there).
                        writer.add(events.createStartElement(prefix, EdxmlDocument.NAMESPACE, "TraceHeaderList"));
                        traceHeader(writer, events, prefix, organId, timestamp);
                        writer.add(events.createEndElement(prefix, EdxmlDocument.NAMESPACE, "TraceHeaderList"));
                        added = true;
                    }
                }
                if (event.isEndElement()) {
                    depth--;
                }
                writer.add(event);
            }
            writer.close();
            reader.close();
        } catch (XMLStreamException e) {
            throw new EdxmlRejectedException(null, "well-formed", "the message could not be stamped with a TraceHeader: "
                    + EdxmlReader.shorten(String.valueOf(e.getMessage())), e);
        }
        return out.toByteArray();
    }

    private static void traceHeader(XMLEventWriter writer, XMLEventFactory events, String prefix, String organId,
                                    String timestamp) throws XMLStreamException {
        writer.add(events.createStartElement(prefix, EdxmlDocument.NAMESPACE, "TraceHeader"));
        writer.add(events.createStartElement(prefix, EdxmlDocument.NAMESPACE, "OrganId"));
        writer.add(events.createCharacters(organId));
        writer.add(events.createEndElement(prefix, EdxmlDocument.NAMESPACE, "OrganId"));
        writer.add(events.createStartElement(prefix, EdxmlDocument.NAMESPACE, "Timestamp"));
        writer.add(events.createCharacters(timestamp));
        writer.add(events.createEndElement(prefix, EdxmlDocument.NAMESPACE, "Timestamp"));
        writer.add(events.createEndElement(prefix, EdxmlDocument.NAMESPACE, "TraceHeader"));
    }
}
