package vn.lienthong.appliance.edxml;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.time.ZoneId;
import javax.xml.namespace.QName;
import javax.xml.stream.XMLEventFactory;
import javax.xml.stream.XMLEventReader;
import javax.xml.stream.XMLEventWriter;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.events.EndElement;
import javax.xml.stream.events.StartDocument;
import javax.xml.stream.events.XMLEvent;

/**
 * Adds the appliance's TraceHeader (organ id, timestamp) to an edXML message as it leaves, as the
 * axis does in transit (QCVN 102:2016 TraceHeaderList). It streams the message through StAX, so the
 * base64 of attachments is copied, not held; a message the parser accepted is the only input.
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
