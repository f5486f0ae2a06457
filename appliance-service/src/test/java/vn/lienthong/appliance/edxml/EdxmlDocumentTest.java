package vn.lienthong.appliance.edxml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import vn.lienthong.appliance.edxml.EdxmlDocument.Kind;

class EdxmlDocumentTest {

    private static final String NS = EdxmlDocument.NAMESPACE;

    static byte[] sample(String name) {
        try (InputStream in = EdxmlDocumentTest.class.getResourceAsStream("/edxml/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no test sample " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A minimal document message with the given MessageHeader content and an edXMLBody; the other
     * required parts (Code, PromulgationInfo, and Subject unless given) are added after it.
     */
    static String document(String messageHeader) {
        String required = "<Code><CodeNumber>1</CodeNumber><CodeNotation>VPCP-TTĐT</CodeNotation></Code>"
                + "<PromulgationInfo><Place>Hà Nội</Place><PromulgationDate>2024/01/02</PromulgationDate></PromulgationInfo>"
                + (messageHeader.contains("<Subject") ? "" : "<Subject>V/v thử</Subject>");
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<edXML xmlns=\"" + NS + "\"><edXMLEnvelope><edXMLHeader>"
                + "<MessageHeader>" + messageHeader + required + "</MessageHeader></edXMLHeader>"
                + "<edXMLBody><edXMLManifest version=\"1.0\"/></edXMLBody></edXMLEnvelope></edXML>";
    }

    static final String FROM_G22 = "<From><OrganId>000.00.00.G22</OrganId></From>";
    static final String TO_H41 = "<To><OrganId>000.00.00.H41</OrganId></To>";

    static EdxmlRejectedException rejected(String xml) {
        return rejected(xml.getBytes(StandardCharsets.UTF_8));
    }

    static EdxmlRejectedException rejected(byte[] xml) {
        return assertThrows(EdxmlRejectedException.class, () -> EdxmlDocument.parse(xml));
    }

    @ParameterizedTest
    @CsvSource({
            "status.edxml, 01, 000.00.00.H41, 000.00.00.G22",
            "status_inbox_01.edxml, 01, 000.00.00.H41, 000.00.00.G22",
            "status_rejection_02.edxml, 02, 000.00.00.H41, 000.00.00.G22",
            "status_acceptance_03.edxml, 03, 000.00.00.H41, 000.00.00.G22",
            "status_assignment_04.edxml, 04, 000.00.00.H41, 000.00.00.G22",
            "status_processing_05.edxml, 05, 000.00.00.H41, 000.00.00.G22",
            "status_finish_06.edxml, 06, 000.00.00.H41, 000.00.00.G22",
            "status_cancellation_13.edxml, 13, 000.00.00.G22, 000.00.00.H41",
            "status_change-acceptance_15.edxml, 15, 000.00.00.H41, 000.00.00.G22",
            "status_change-rejection_16.edxml, 16, 000.00.00.H41, 000.00.00.G22"})
    void readsEveryStatusSampleAsAStatusForTheOrganItRespondsTo(String file, String code, String from, String to) {
        EdxmlDocument status = EdxmlDocument.parse(sample(file));

        assertEquals(Kind.STATUS, status.kind());
        assertEquals(code, status.statusCode());
        assertEquals(from, status.fromOrganId());
        assertEquals(List.of(), status.toOrganIds());
        assertEquals(List.of(to), status.recipientOrganIds());
        assertEquals("000.00.00.G22,2015/09/30,7816/VPCP-TTĐT", status.documentId());
        assertNull(status.subject());
    }

    @ParameterizedTest
    @ValueSource(strings = {"edoc_revocation.edxml", "edoc_update.edxml", "edoc_replacement.edxml"})
    void readsTheDocumentSamplesWithAllTheirRecipients(String file) {
        EdxmlDocument document = EdxmlDocument.parse(sample(file));

        assertEquals(Kind.DOCUMENT, document.kind());
        assertEquals("000.00.00.G22", document.fromOrganId());
        assertEquals(List.of("000.00.00.H41", "000.00.00.H14", "000.00.00.G17"), document.toOrganIds());
        assertEquals(document.toOrganIds(), document.recipientOrganIds());
        assertEquals("000.00.00.G22,2015/09/30,7816/VPCP-TTĐT", document.documentId());
        assertEquals("V/v kết nối, liên thông phần mềm quản lý văn bản", document.subject());
        assertNull(document.statusCode());
    }

    @Test
    void readsTheNewDocumentSampleDespiteItsStrayLeadingBytes() {
        byte[] xml = sample("edoc_new.edxml");
        assertEquals("1212<?xml", new String(xml, 0, 9, StandardCharsets.US_ASCII));

        EdxmlDocument document = EdxmlDocument.parse(xml);

        assertEquals(Kind.DOCUMENT, document.kind());
        assertEquals("002.00.20.H13", document.fromOrganId());
        assertEquals(List.of("28.22.H17"), document.recipientOrganIds());
        assertEquals("000.00.00.G22,2015/09/30,7816/VPCP-TTĐT", document.documentId());
    }

    @Test
    void refusesTheSampleThatUsesUndeclaredPrefixesAndSaysWhich() {
        EdxmlRejectedException e = rejected(sample("edoc.edxml"));

        assertTrue(e.getMessage().startsWith("not well-formed XML at line "), e.getMessage());
        assertTrue(e.getMessage().contains("\"xlink\""), e.getMessage());
        assertTrue(e.getMessage().contains("is not bound"), e.getMessage());
    }

    @Test
    void refusesAnyDoctype() {
        assertEquals("the document has a DOCTYPE: DTDs are not accepted",
                rejected("<?xml version=\"1.0\"?><!DOCTYPE edXML><edXML xmlns=\"" + NS + "\"/>").getMessage());
    }

    @Test
    void refusesAnExternalEntityWithoutReadingIt(@TempDir Path dir) throws IOException {
        Path secret = Files.writeString(dir.resolve("secret.txt"), "000.00.00.H99");
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE edXML [<!ENTITY x SYSTEM \"" + secret.toUri() + "\">]>"
                + document(FROM_G22 + "<To><OrganId>&x;</OrganId></To><DocumentId>1</DocumentId>")
                        .replaceFirst("<\\?xml[^>]*>\n", "");

        EdxmlRejectedException e = rejected(xxe);

        assertEquals("the document has a DOCTYPE: DTDs are not accepted", e.getMessage());
        assertFalse(e.getMessage().contains("H99"));
    }

    @Test
    void refusesBillionLaughsBeforeExpandingAnything() {
        StringBuilder dtd = new StringBuilder("<!DOCTYPE edXML [<!ENTITY lol0 \"lol\">");
        for (int i = 1; i <= 9; i++) {
            dtd.append("<!ENTITY lol").append(i).append(" \"").append(("&lol" + (i - 1) + ";").repeat(10)).append("\">");
        }
        dtd.append("]>");
        String bomb = "<?xml version=\"1.0\"?>" + dtd + "<edXML xmlns=\"" + NS + "\"><x>&lol9;</x></edXML>";

        assertEquals("the document has a DOCTYPE: DTDs are not accepted", rejected(bomb).getMessage());
    }

    @Test
    void refusesAnXIncludeInsteadOfLeavingItForTheRecipientToProcess(@TempDir Path dir) throws IOException {
        Path secret = Files.writeString(dir.resolve("secret.txt"), "included secret");
        String xml = document(FROM_G22 + TO_H41 + "<DocumentId>1</DocumentId><Subject xmlns:xi=\"http://www.w3.org/2001/XInclude\">"
                + "subject<xi:include href=\"" + secret.toUri() + "\" parse=\"text\"/></Subject>");

        EdxmlRejectedException e = rejected(xml);

        assertEquals("text-only", e.rule());
        assertFalse(e.getMessage().contains("included secret"), "the parser itself included nothing");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "<edXML xmlns='http://www.mic.gov.vn/TBT/QCVN_102_2016'><a></edXML>|not well-formed XML at line 1: The element type \"a\" must be terminated by the matching end-tag \"</a>\"",
            "<edXML xmlns='http://www.mic.gov.vn/TBT/QCVN_102_2016'>|not well-formed XML at line 1: XML document structures must start and end within the same entity",
            "garbage|not well-formed XML at line 1: Content is not allowed in prolog",
            "<edXML/>|the root element is edXML, not edXML in the QCVN 102:2016 namespace",
            "<Envelope xmlns='urn:x'/>|the root element is {urn:x}Envelope, not edXML in the QCVN 102:2016 namespace",
            "<edXML xmlns='http://www.mic.gov.vn/TBT/QCVN_102_2016'/>|edXMLEnvelope/edXMLHeader/MessageHeader is missing"})
    void refusesMalformedOrForeignXmlWithOnePlainSentence(String xml, String expected) {
        assertEquals(expected, rejected(xml).getMessage());
    }

    @Test
    void refusesAnEmptyDocument() {
        assertEquals("the document is empty", rejected(new byte[0]).getMessage());
    }

    @Test
    void refusesADocumentLargerThanTheLimitWithoutParsingIt() {
        byte[] xml = document(FROM_G22 + TO_H41 + "<DocumentId>1</DocumentId>").getBytes(StandardCharsets.UTF_8);

        EdxmlRejectedException e = assertThrows(EdxmlRejectedException.class, () -> EdxmlDocument.parse(xml, 100));

        assertEquals("the document is " + xml.length + " bytes, more than the limit of 100 bytes", e.getMessage());
    }

    @Test
    void refusesBytesInvalidInTheDeclaredEncoding() {
        byte[] xml = document(FROM_G22 + TO_H41 + "<DocumentId>\u00e9</DocumentId>").getBytes(StandardCharsets.ISO_8859_1);

        assertTrue(rejected(xml).getMessage().contains("UTF-8"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "<To><OrganId>000.00.00.H41</OrganId></To><DocumentId>1</DocumentId>|From/OrganId is missing",
            "<From><OrganId> </OrganId></From><To><OrganId>000.00.00.H41</OrganId></To><DocumentId>1</DocumentId>|From/OrganId is missing",
            "<From><OrganId>x y</OrganId></From><To><OrganId>000.00.00.H41</OrganId></To><DocumentId>1</DocumentId>|'x y' in From/OrganId is not an organ id",
            "<From><OrganId>000.00.00.G22</OrganId></From><From><OrganId>000.00.00.G23</OrganId></From><To><OrganId>000.00.00.H41</OrganId></To><DocumentId>1</DocumentId>|the MessageHeader has more than one From",
            "<From><OrganId>000.00.00.G22</OrganId><OrganId>000.00.00.G23</OrganId></From><To><OrganId>000.00.00.H41</OrganId></To><DocumentId>1</DocumentId>|the MessageHeader has more than one From/OrganId",
            "<From><OrganId>000.00.00.G22</OrganId></From><DocumentId>1</DocumentId>|To/OrganId is missing",
            "<From><OrganId>000.00.00.G22</OrganId></From><To><OrganName>x</OrganName></To><DocumentId>1</DocumentId>|a To has no OrganId",
            "<From><OrganId>000.00.00.G22</OrganId></From><To><OrganId>000.00.00.H41;rm</OrganId></To><DocumentId>1</DocumentId>|'000.00.00.H41;rm' in To/OrganId is not an organ id",
            "<From><OrganId>000.00.00.G22</OrganId></From><To><OrganId>000.00.00.H41</OrganId></To>|DocumentId is missing",
            "<From><OrganId>000.00.00.G22</OrganId></From><To><OrganId>000.00.00.H41</OrganId></To><DocumentId>1</DocumentId><DocumentId>2</DocumentId>|the MessageHeader has more than one DocumentId",
            "<From><OrganId>000.00.00.G22</OrganId></From><To><OrganId>000.00.00.H41</OrganId></To><DocumentId>1</DocumentId><StatusCode>01</StatusCode>|the message has both a StatusCode and an edXMLBody: it is neither a document nor a status message"})
    void refusesADocumentWhoseRoutingFieldsAreMissingOrWrong(String header, String expected) {
        assertEquals(expected, rejected(document(header)).getMessage());
    }

    @Test
    void refusesARoutingFieldOfAnotherNamespaceThatTheRecipientMightReadInstead() {
        String xml = document("<From xmlns='urn:other'><OrganId>000.00.00.G99</OrganId></From>" + FROM_G22 + TO_H41
                + "<DocumentId>1</DocumentId>");

        EdxmlRejectedException e = rejected(xml);

        assertEquals("foreign-namespace", e.rule());
        assertEquals("MessageHeader holds the element {urn:other}From, which is not in the QCVN 102:2016 namespace",
                e.getMessage().replace("edXML/edXMLEnvelope/edXMLHeader/", ""));
    }

    @Test
    void refusesASecondMessageHeaderThatCouldSmuggleAnotherSender() {
        String xml = "<edXML xmlns=\"" + NS + "\"><edXMLEnvelope><edXMLHeader>"
                + "<MessageHeader>" + FROM_G22 + TO_H41 + "<DocumentId>1</DocumentId></MessageHeader>"
                + "<MessageHeader><From><OrganId>000.00.00.G99</OrganId></From></MessageHeader>"
                + "</edXMLHeader><edXMLBody/></edXMLEnvelope></edXML>";

        assertEquals("the message has more than one MessageHeader", rejected(xml).getMessage());
    }

    @Test
    void listsEachRecipientOnceInDocumentOrder() {
        String xml = document(FROM_G22 + TO_H41 + "<To><OrganId>000.00.00.H14</OrganId></To>" + TO_H41
                + "<DocumentId>1</DocumentId>");

        EdxmlDocument document = EdxmlDocument.parse(xml.getBytes(StandardCharsets.UTF_8));

        assertEquals(List.of("000.00.00.H41", "000.00.00.H14"), document.toOrganIds());
    }

    @Test
    void refusesADocumentWhoseSubjectIsBlank() {
        EdxmlRejectedException e = rejected(document(FROM_G22 + TO_H41 + "<DocumentId>1</DocumentId><Subject> </Subject>"));

        assertEquals("Subject is missing", e.getMessage());
        assertEquals("edXML/edXMLEnvelope/edXMLHeader/MessageHeader/Subject", e.element());
        assertEquals("required", e.rule());
    }

    @Test
    void refusesAStatusMessageWithoutTheOrganItRespondsTo() {
        String xml = "<edXML xmlns=\"" + NS + "\"><edXMLEnvelope><edXMLHeader><MessageHeader>" + FROM_G22
                + "<ResponseFor><DocumentId>1</DocumentId></ResponseFor><StatusCode>01</StatusCode>"
                + "</MessageHeader></edXMLHeader></edXMLEnvelope></edXML>";

        assertEquals("ResponseFor/OrganId is missing", rejected(xml).getMessage());
    }

    @Test
    void refusesAFieldLongerThanAnySystemWrites() {
        String xml = document(FROM_G22 + TO_H41 + "<DocumentId>1</DocumentId><Subject>" + "x".repeat(5000) + "</Subject>");

        assertEquals("Subject is longer than 4000 characters", rejected(xml).getMessage());
    }

    @Test
    void refusesElementsNestedBeyondTheDepthLimit() {
        String xml = "<edXML xmlns=\"" + NS + "\">" + "<a>".repeat(200) + "</a>".repeat(200) + "</edXML>";

        assertTrue(rejected(xml).getMessage().startsWith("the document exceeds a parser limit at line 1"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"1212<?xml|4", "a1B2<?xml|4", "<?xml|0", "<edXML|0", "1212<edXML|0", "12;<?xml|0",
            "12345678901234567<?xml|0"})
    void ignoresOnlyAFewPlainBytesBeforeAnXmlDeclaration(String start, int ignored) {
        assertEquals(ignored, EdxmlReader.strayPrefixLength((start + " version=\"1.0\"?>").getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void ignoresWhitespaceBeforeAnXmlDeclaration() {
        assertEquals(3, EdxmlReader.strayPrefixLength(" \r\n<?xml version=\"1.0\"?><x/>".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void stillRefusesStrayBytesBeforeARootElementWithoutDeclaration() {
        assertEquals("not well-formed XML at line 1: Content is not allowed in prolog",
                rejected("1212<edXML xmlns=\"" + NS + "\"/>").getMessage());
    }
}
