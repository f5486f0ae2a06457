package vn.lienthong.appliance.edxml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EdxmlMessageTest {

    static byte[] golden(String name) {
        try (InputStream in = EdxmlMessageTest.class.getResourceAsStream("/edxml/golden/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no golden sample " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String goldenText(String name) {
        return new String(golden(name), StandardCharsets.UTF_8);
    }

    static EdxmlRejectedException rejected(String xml) {
        return assertThrows(EdxmlRejectedException.class,
                () -> EdxmlMessage.parse(xml.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void readsEveryPartOfANewDocument() {
        DocumentMessage d = assertInstanceOf(DocumentMessage.class, EdxmlMessage.parse(golden("document-new.edxml")));

        assertEquals("000.00.00.G22", d.from().organId());
        assertEquals("Văn phòng Chính phủ", d.from().organName());
        assertEquals(List.of("000.00.00.H41", "000.00.00.H14"), d.recipientOrganIds());
        assertEquals("000.00.00.G22,2024/03/15,45/VPCP-TTĐT", d.documentId());
        assertEquals(new DocumentCode("45", "VPCP-TTĐT"), d.code());
        assertEquals(new PromulgationInfo("Hà Nội", LocalDate.of(2024, 3, 15)), d.promulgationInfo());
        assertEquals(new DocumentType("1", "0", "Công văn"), d.documentType());
        assertEquals("V/v kết nối, liên thông phần mềm quản lý văn bản", d.subject());
        assertEquals(new SignerInfo("KT. BỘ TRƯỞNG", "Thứ trưởng", "Nguyễn Văn A"), d.signerInfo());
        assertEquals(LocalDate.of(2024, 4, 30), d.dueDate());
        assertEquals(List.of("Phụ lục I"), d.otherInfo().appendixes());
        assertEquals("000.00.00.H41,2024/03/01,12/UBND-VX", d.responseFor().getFirst().documentId());
        assertEquals("1", d.steeringType());
        assertEquals(List.of("Các bộ, cơ quan ngang bộ", "UBND các tỉnh"), d.toPlaces());
        assertEquals(List.of(new TraceHeader("000.00.00.G22", LocalDateTime.of(2024, 3, 15, 9, 30))), d.traceHeaders());
        assertEquals(Business.DocType.NEW, d.businessDocType());
        assertEquals(Business.Spelling.BUSSINESS, d.business().spelling());
        assertEquals("Trần Thị B", d.business().staffInfo().staff());
        assertTrue(d.attachments().isEmpty());
        assertFalse(d.signed());
    }

    @Test
    void decodesAttachmentsAndTheManifestThatAnnouncesThem() {
        DocumentMessage d = (DocumentMessage) EdxmlMessage.parse(golden("document-new-with-attachment.edxml"));

        Attachment pdf = d.attachments().getFirst();
        assertEquals("congvan.pdf", pdf.attachmentName());
        assertEquals("application/pdf", pdf.contentType());
        assertTrue(new String(pdf.content(), StandardCharsets.US_ASCII).startsWith("%PDF-1.4"));
        assertEquals(List.of(new ManifestReference("cid:1", "application/pdf", "Văn bản", "congvan.pdf")), d.references());
    }

    @ParameterizedTest
    @CsvSource({
            "document-new.edxml, NEW, BUSSINESS",
            "document-new-business-spelling.edxml, NEW, BUSINESS",
            "document-revoke.edxml, REVOKE, BUSSINESS",
            "document-update.edxml, UPDATE, BUSINESS",
            "document-replace.edxml, REPLACE, BUSSINESS"})
    void readsWhatADocumentDoesToEarlierOnesInEitherSpelling(String file, Business.DocType type, Business.Spelling spelling) {
        DocumentMessage d = (DocumentMessage) EdxmlMessage.parse(golden(file));

        assertEquals(type, d.businessDocType());
        assertEquals(spelling, d.business().spelling());
        assertFalse(d.business().reason().isBlank());
        if (type == Business.DocType.REPLACE) {
            assertEquals(List.of("000.00.00.G22,2024/01/02,12/VPCP-TTĐT"), d.business().replacedDocumentIds());
        }
    }

    @ParameterizedTest
    @CsvSource({"01, ARRIVED", "02, REJECTED", "03, ACCEPTED", "04, ASSIGNED", "05, PROCESSING", "06, COMPLETED",
            "13, RECALL_REQUESTED", "15, CHANGE_AGREED", "16, CHANGE_REFUSED"})
    void readsEachStatusCode(String code, StatusCode expected) {
        StatusMessage s = assertInstanceOf(StatusMessage.class, EdxmlMessage.parse(golden("status-" + code + ".edxml")));

        assertEquals(expected, s.statusCode());
        assertEquals("000.00.00.G22,2024/03/15,45/VPCP-TTĐT", s.documentId());
        assertEquals(LocalDateTime.of(2024, 3, 15, 10, 0), s.timestamp());
        assertEquals("Lê Văn C", s.staffInfo().staff());
        assertEquals(List.of(code.equals("13") ? "000.00.00.H41" : "000.00.00.G22"), s.recipientOrganIds());
    }

    @Test
    void readsTheGovernmentOfficeSamplesIntoTheModel() {
        for (String file : List.of("edoc_new.edxml", "edoc_revocation.edxml", "edoc_update.edxml", "edoc_replacement.edxml")) {
            DocumentMessage d = (DocumentMessage) EdxmlMessage.parse(EdxmlDocumentTest.sample(file));
            assertTrue(d.signed(), file + " carries a (placeholder) Signature");
        }
        DocumentMessage withZip = (DocumentMessage) EdxmlMessage.parse(EdxmlDocumentTest.sample("edoc_new.edxml"));
        byte[] zip = withZip.attachments().getFirst().content();
        assertEquals('P', zip[0]);
        assertEquals('K', zip[1]);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "<edXML:PromulgationDate>2024/03/15</edXML:PromulgationDate>|<edXML:PromulgationDate>15/03/2024</edXML:PromulgationDate>|edXML/edXMLEnvelope/edXMLHeader/MessageHeader/PromulgationInfo/PromulgationDate|date",
            "<edXML:DueDate>2024/04/30</edXML:DueDate>|<edXML:DueDate>2024/02/30</edXML:DueDate>|edXML/edXMLEnvelope/edXMLHeader/MessageHeader/DueDate|date",
            "<edXML:Timestamp>2024/03/15 09:30:00</edXML:Timestamp>|<edXML:Timestamp>2024-03-15T09:30:00</edXML:Timestamp>|edXML/edXMLEnvelope/edXMLHeader/TraceHeaderList/TraceHeader/Timestamp|timestamp",
            "<edXML:OrganId>000.00.00.H14</edXML:OrganId>|<edXML:OrganId>000.00.00.H14.ABCDEFGHIJKLMNOPQRSTUVWXYZ</edXML:OrganId>|edXML/edXMLEnvelope/edXMLHeader/MessageHeader/To[2]/OrganId|organ-id",
            "<edXML:BussinessDocType>0</edXML:BussinessDocType>|<edXML:BussinessDocType>7</edXML:BussinessDocType>|edXML/edXMLEnvelope/edXMLHeader/TraceHeaderList/Bussiness/BussinessDocType|business-doc-type",
            "<edXML:Code>|<edXML:Kode>|edXML/edXMLEnvelope/edXMLHeader/MessageHeader/Code|required",
            "</edXML:Code>|</edXML:Kode>|edXML/edXMLEnvelope/edXMLHeader/MessageHeader/Code|required"})
    void namesTheElementAndTheRuleThatFailed(String from, String to, String element, String rule) {
        String xml = goldenText("document-new.edxml").replace(from, to);
        if (rule.equals("required")) {
            xml = xml.replace("<edXML:Code>", "<edXML:Kode>").replace("</edXML:Code>", "</edXML:Kode>");
        }

        EdxmlRejectedException e = rejected(xml);

        assertEquals(element, e.element(), e.getMessage());
        assertEquals(rule, e.rule(), e.getMessage());
    }

    private static final String XINCLUDE = "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\""
            + " href=\"file:///etc/passwd\" parse=\"text\"/>";
    private static final String MH = "edXML/edXMLEnvelope/edXMLHeader/MessageHeader/";

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "document-new.edxml|Đề nghị các cơ quan kết nối trước ngày 30/4.|" + MH + "Content",
            "document-new.edxml|V/v kết nối, liên thông phần mềm quản lý văn bản|" + MH + "Subject",
            "document-new.edxml|<edXML:OrganId>000.00.00.G22</edXML:OrganId>|" + MH + "From/OrganId",
            "status-05.edxml|<edXML:StatusCode>05</edXML:StatusCode>|" + MH + "StatusCode"})
    void refusesATextFieldThatHoldsAnElement(String golden, String text, String element) {
        // An element's text (or a bare text) becomes the XInclude.
        String xml = goldenText(golden).replace(text,
                text.startsWith("<") ? text.replaceFirst(">[^<]*<", ">" + XINCLUDE + "<") : XINCLUDE);
        assertTrue(xml.contains(XINCLUDE), "the sample holds " + text);

        EdxmlRejectedException e = rejected(xml);

        assertEquals("text-only", e.rule(), e.getMessage());
        assertEquals(element, e.element(), e.getMessage());
        assertTrue(e.getMessage().endsWith("holds the element {http://www.w3.org/2001/XInclude}include: it may hold"
                + " text only"), e.getMessage());
    }

    @Test
    void refusesATextFieldThatHoldsAnElementOfTheStandardsOwnNamespace() {
        EdxmlRejectedException e = rejected(goldenText("document-new.edxml").replace(
                "V/v kết nối, liên thông phần mềm quản lý văn bản", "<edXML:Content>lồng</edXML:Content>"));

        assertEquals("text-only", e.rule(), e.getMessage());
        assertEquals(MH + "Subject", e.element());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "<edXML:From>|<edXML:From><x:Extra xmlns:x=\"urn:example:x\">1</x:Extra>|" + MH + "From",
            "<edXML:TraceHeaderList>|<edXML:TraceHeaderList><x:Extra xmlns:x=\"urn:example:x\"/>"
                    + "|edXML/edXMLEnvelope/edXMLHeader/TraceHeaderList",
            "</edXML:MessageHeader>|<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"/></edXML:MessageHeader>"
                    + "|edXML/edXMLEnvelope/edXMLHeader/MessageHeader"})
    void refusesAnElementOfAnotherNamespaceInsideEdxmlHeader(String from, String to, String element) {
        EdxmlRejectedException e = rejected(goldenText("document-new.edxml").replace(from, to));

        assertEquals("foreign-namespace", e.rule(), e.getMessage());
        assertEquals(element, e.element(), e.getMessage());
    }

    @Test
    void refusesAnElementOfAnotherNamespaceInsideTheXmlDsigSignature() {
        EdxmlRejectedException e = rejected(goldenText("document-new.edxml").replace("</edXML:TraceHeaderList>",
                "</edXML:TraceHeaderList><ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"
                        + "<ds:Object>" + XINCLUDE + "</ds:Object></ds:Signature>"));

        assertEquals("foreign-namespace", e.rule(), e.getMessage());
        assertEquals("edXML/edXMLEnvelope/edXMLHeader/Signature", e.element());
    }

    @Test
    void stillReadsAnXmlDsigSignatureDirectlyInEdxmlHeader() {
        String xml = goldenText("document-new.edxml").replace("</edXML:TraceHeaderList>",
                "</edXML:TraceHeaderList><ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"
                        + "<ds:SignedInfo/></ds:Signature>");

        assertTrue(EdxmlMessage.parse(xml.getBytes(StandardCharsets.UTF_8)).signed());
    }

    @Test
    void refusesAStatusCodeOutsideTheStandard() {
        EdxmlRejectedException e = rejected(goldenText("status-05.edxml").replace(">05<", ">07<"));

        assertEquals("status-code", e.rule());
        assertEquals("StatusCode '07' is not one of 01, 02, 03, 04, 05, 06, 13, 15 or 16", e.getMessage());
    }

    @Test
    void refusesASubjectLongerThanTheSystemsThatReceiveItAccept() {
        String xml = goldenText("document-new.edxml").replace("V/v kết nối, liên thông phần mềm quản lý văn bản",
                "x".repeat(501));

        assertEquals("max-length", rejected(xml).rule());
    }

    private static String withAttachmentText(String base64) {
        return goldenText("document-new-with-attachment.edxml")
                .replaceAll("(?s)<edXML:ContentTransferEncoded>.*</edXML:ContentTransferEncoded>",
                        "<edXML:ContentTransferEncoded>" + base64 + "</edXML:ContentTransferEncoded>");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"QUJD*EFG|base64", "QUJDRA|base64", "QU=JDRA=|base64"})
    void refusesAttachmentsThatAreNotBase64(String text, String rule) {
        EdxmlRejectedException e = rejected(withAttachmentText(text));

        assertEquals(rule, e.rule());
        assertEquals("edXML/AttachmentEncoded/Attachment/ContentTransferEncoded", e.element());
    }

    @Test
    void refusesAnAttachmentLargerThanItsLimitWhileDecodingIt() {
        byte[] xml = withAttachmentText(Base64.getEncoder().encodeToString(new byte[300_000]))
                .getBytes(StandardCharsets.UTF_8);
        EdxmlLimits limits = new EdxmlLimits(10_000_000, 100_000, 1_000_000, 20_000, 4000);

        EdxmlRejectedException e = assertThrows(EdxmlRejectedException.class, () -> EdxmlMessage.parse(xml, limits));

        assertEquals("attachment-size", e.rule());
        assertEquals("attachment 1 is larger than the limit of 100000 bytes", e.getMessage());
    }

    @Test
    void refusesAttachmentsLargerTogetherThanTheTotalLimit() {
        String one = "<Attachment><ContentId>x</ContentId><edXML:ContentTransferEncoded>"
                + Base64.getEncoder().encodeToString(new byte[60_000]) + "</edXML:ContentTransferEncoded></Attachment>";
        String xml = goldenText("document-new-with-attachment.edxml")
                .replace("<AttachmentEncoded>", "<AttachmentEncoded>" + one + one);
        EdxmlLimits limits = new EdxmlLimits(10_000_000, 100_000, 100_000, 20_000, 4000);

        EdxmlRejectedException e = assertThrows(EdxmlRejectedException.class,
                () -> EdxmlMessage.parse(xml.getBytes(StandardCharsets.UTF_8), limits));

        assertEquals("attachments-total-size", e.rule());
    }

    @Test
    void refusesAnOversizedStreamAfterReadingNoMoreThanTheLimit() {
        AtomicLong served = new AtomicLong();
        // An endless comment inside the root: only the size limit ends it.
        InputStream endless = new InputStream() {
            private final byte[] start = ("<edXML xmlns=\"" + EdxmlDocument.NAMESPACE + "\"><!--")
                    .getBytes(StandardCharsets.US_ASCII);

            @Override
            public int read() {
                long n = served.getAndIncrement();
                return n < start.length ? start[(int) n] : 'x';
            }
        };
        EdxmlLimits limits = EdxmlLimits.DEFAULT.withMaxBytes(1_000_000);

        EdxmlRejectedException e = assertThrows(EdxmlRejectedException.class, () -> EdxmlMessage.read(endless, limits));

        assertEquals("size", e.rule());
        assertTrue(served.get() <= 1_000_000 + 64 * 1024, "read " + served.get() + " bytes");
    }

    @Test
    void refusesADoctypeAfterReadingOnlyTheStartOfTheStream() {
        AtomicLong served = new AtomicLong();
        byte[] start = "<?xml version=\"1.0\"?><!DOCTYPE edXML [<!ENTITY a \"aaaa\">]><edXML>".getBytes(StandardCharsets.US_ASCII);
        InputStream hostile = new InputStream() {
            @Override
            public int read() {
                long n = served.getAndIncrement();
                return n < start.length ? start[(int) n] : 'a';
            }
        };

        EdxmlRejectedException e = assertThrows(EdxmlRejectedException.class,
                () -> EdxmlMessage.read(hostile, EdxmlLimits.DEFAULT));

        assertEquals("no-dtd", e.rule());
        assertTrue(served.get() < 100_000, "read " + served.get() + " bytes");
    }

    @Test
    void refusesMoreElementsThanTheLimit() {
        String many = "<edXML:Place>p</edXML:Place>".repeat(30_000);
        String xml = goldenText("document-new.edxml").replace("<edXML:ToPlaces>", "<edXML:ToPlaces>" + many);

        EdxmlRejectedException e = rejected(xml);

        assertEquals("parser-limit", e.rule());
    }

    @Test
    void readsAStreamTheSameAsTheBytes() {
        byte[] xml = golden("document-replace.edxml");

        EdxmlMessage fromStream = EdxmlMessage.read(new ByteArrayInputStream(xml), EdxmlLimits.DEFAULT);
        DocumentMessage fromBytes = (DocumentMessage) EdxmlMessage.parse(xml);

        assertEquals(fromBytes.documentId(), fromStream.documentId());
        assertArrayEquals(fromBytes.attachments().getFirst().content(),
                ((DocumentMessage) fromStream).attachments().getFirst().content());
    }

    @ParameterizedTest
    @CsvSource({"xxe, no-dtd", "xxe-parameter-entity, no-dtd", "billion-laughs, no-dtd", "deep-nesting, parser-limit",
            "huge-base64, attachment-size", "many-attributes, parser-limit", "xinclude, required",
            "xinclude-in-content, text-only", "foreign-in-header, foreign-namespace"})
    void refusesEveryHostileSeedOfTheFuzzCorpusByItsRule(String seed, String rule) throws IOException {
        byte[] xml;
        try (InputStream in = EdxmlMessageTest.class.getResourceAsStream(
                "EdxmlDocumentFuzzTestInputs/parseReturnsADocumentOrRejectsIt/" + seed)) {
            xml = in.readAllBytes();
        }

        EdxmlRejectedException e = assertThrows(EdxmlRejectedException.class,
                () -> EdxmlMessage.parse(xml, EdxmlDocumentFuzzTest.LIMITS));

        assertEquals(rule, e.rule(), e.getMessage());
    }

    @Test
    void addsTheAppliancesTraceHeaderAfterTheExistingOnes() {
        byte[] stamped = EdxmlTrace.append(golden("document-new-with-attachment.edxml"), "000.00.00.G22",
                java.time.Instant.parse("2024-03-15T03:00:00Z"));

        DocumentMessage d = (DocumentMessage) EdxmlMessage.parse(stamped);
        assertEquals(List.of(new TraceHeader("000.00.00.G22", LocalDateTime.of(2024, 3, 15, 9, 30)),
                new TraceHeader("000.00.00.G22", LocalDateTime.of(2024, 3, 15, 10, 0))), d.traceHeaders());
        assertEquals(Business.DocType.NEW, d.businessDocType());
        assertTrue(new String(d.attachments().getFirst().content(), StandardCharsets.US_ASCII).startsWith("%PDF"));
    }

    @Test
    void addsATraceHeaderListWhenTheMessageHasNone() {
        byte[] stamped = EdxmlTrace.append(EdxmlDocumentTest.sample("status_inbox_01.edxml"), "000.00.00.H41",
                java.time.Instant.parse("2024-03-15T03:00:00Z"));

        StatusMessage s = (StatusMessage) EdxmlMessage.parse(stamped);
        assertEquals(List.of(new TraceHeader("000.00.00.H41", LocalDateTime.of(2024, 3, 15, 10, 0))), s.traceHeaders());
    }
}
