package vn.lienthong.appliance.edxml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The SAX readers are kept for the next document: what one document did must not change how the next is read. */
class EdxmlReaderReuseTest {

    private static final String NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016";

    @Test
    void keepsRefusingDoctypesAndReadingDocumentsAfterManyReuses() {
        byte[] good = EdxmlMessageTest.golden("document-new.edxml");
        String expectedSender = EdxmlDocument.parse(good).fromOrganId();
        for (int i = 0; i < 200; i++) {
            assertEquals(expectedSender, EdxmlDocument.parse(good).fromOrganId());
            assertEquals("the document has a DOCTYPE: DTDs are not accepted", EdxmlDocumentTest.rejected(
                    "<?xml version=\"1.0\"?><!DOCTYPE edXML><edXML xmlns=\"" + NS + "\"/>").getMessage());
        }
    }

    @Test
    void readsADocumentCompletelyAfterAReaderMetOneThatWasCutShort() {
        byte[] good = EdxmlMessageTest.golden("document-new-with-attachment.edxml");
        EdxmlDocument first = EdxmlDocument.parse(good);
        String text = new String(good, StandardCharsets.UTF_8);

        EdxmlRejectedException cut = EdxmlDocumentTest.rejected(text.substring(0, text.length() / 2));
        EdxmlDocument again = EdxmlDocument.parse(good);

        assertTrue(cut.getMessage().contains("well-formed") || cut.getMessage().contains("XML"), cut.getMessage());
        assertEquals(first.documentId(), again.documentId());
        assertEquals(first.recipientOrganIds(), again.recipientOrganIds());
    }
}
