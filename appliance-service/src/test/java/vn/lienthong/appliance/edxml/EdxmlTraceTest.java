package vn.lienthong.appliance.edxml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import javax.xml.stream.XMLInputFactory;
import org.junit.jupiter.api.Test;

class EdxmlTraceTest {

    private static final Instant AT = Instant.parse("2024-03-15T03:00:00Z");
    private static final String STAMP = "<edXML:TraceHeader><edXML:OrganId>000.00.00.G22</edXML:OrganId>"
            + "<edXML:Timestamp>2024/03/15 10:00:00</edXML:Timestamp></edXML:TraceHeader>";

    private static XMLInputFactory inputs() {
        XMLInputFactory inputs = XMLInputFactory.newDefaultFactory();
        inputs.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        inputs.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        inputs.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
        return inputs;
    }

    private static byte[] inserted(byte[] xml, String beforeFirst, String text) {
        String original = new String(xml, StandardCharsets.UTF_8);
        int at = original.indexOf(beforeFirst);
        return (original.substring(0, at) + text + original.substring(at)).getBytes(StandardCharsets.UTF_8);
    }

    private static String timestamp() {
        return EdxmlValidator.TIMESTAMP.format(AT.atZone(EdxmlTrace.VIETNAM).toLocalDateTime());
    }

    private static String stamp() {
        return STAMP.replace("2024/03/15 10:00:00", timestamp());
    }

    @Test
    void putsTheTraceHeaderAtTheEndOfTheListKeepingEveryOtherByte() {
        for (String name : List.of("document-new.edxml", "document-new-with-attachment.edxml")) {
            byte[] xml = EdxmlMessageTest.golden(name);

            byte[] stamped = EdxmlTrace.append(xml, "000.00.00.G22", AT);

            assertArrayEquals(inserted(xml, "</edXML:TraceHeaderList>", stamp()), stamped, name);
        }
    }

    @Test
    void closesTheHeaderWithANewListInACrLfMessageThatHasNone() {
        byte[] xml = EdxmlDocumentTest.sample("status_inbox_01.edxml");

        byte[] stamped = EdxmlTrace.append(xml, "000.00.00.G22", AT);

        assertArrayEquals(inserted(xml, "</edXML:edXMLHeader>",
                "<edXML:TraceHeaderList>" + stamp() + "</edXML:TraceHeaderList>"), stamped);
    }

    @Test
    void countsPastAByteOrderMarkAndCharactersOutsideTheBasicPlane() {
        String golden = new String(EdxmlMessageTest.golden("document-new.edxml"), StandardCharsets.UTF_8);
        String text = "\uFEFF" + golden.replace("<edXML:TraceHeaderList>",
                "<!-- 😀 ký tự ngoài BMP --><edXML:TraceHeaderList  >").replace("</edXML:TraceHeaderList>",
                "</edXML:TraceHeaderList\r\n >");
        byte[] xml = text.getBytes(StandardCharsets.UTF_8);

        byte[] spliced = EdxmlTrace.splice(xml, "000.00.00.G22", timestamp(), inputs());

        assertNotNull(spliced);
        assertArrayEquals(inserted(xml, "</edXML:TraceHeaderList", stamp()), spliced);
    }

    @Test
    void leavesAMessageInAnotherEncodingToTheRewritingPath() {
        String golden = new String(EdxmlMessageTest.golden("document-new.edxml"), StandardCharsets.UTF_8);
        byte[] utf16 = golden.replace("encoding=\"UTF-8\"", "encoding=\"UTF-16\"").getBytes(StandardCharsets.UTF_16);

        assertNull(EdxmlTrace.splice(utf16, "000.00.00.G22", timestamp(), inputs()));
        DocumentMessage stamped = (DocumentMessage) EdxmlMessage.parse(EdxmlTrace.append(utf16, "000.00.00.G22", AT));
        assertEquals(((DocumentMessage) EdxmlMessage.parse(EdxmlTrace.rewrite(
                EdxmlMessageTest.golden("document-new.edxml"), "000.00.00.G22", timestamp(), inputs())))
                .traceHeaders(), stamped.traceHeaders());
    }

    @Test
    void stampsWhatRewritingTheMessageStamps() {
        byte[] xml = EdxmlMessageTest.golden("document-new-with-attachment.edxml");

        DocumentMessage spliced = (DocumentMessage) EdxmlMessage.parse(EdxmlTrace.append(xml, "000.00.00.G22", AT));
        DocumentMessage rewritten = (DocumentMessage) EdxmlMessage.parse(
                EdxmlTrace.rewrite(xml, "000.00.00.G22", timestamp(), inputs()));

        assertEquals(rewritten.traceHeaders(), spliced.traceHeaders());
        assertArrayEquals(rewritten.attachments().getFirst().content(), spliced.attachments().getFirst().content());
    }

}
