package vn.lienthong.appliance.edxml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.BeforeAll;

/**
 * Jazzer fuzz test of the edXML reader. In regression mode (what CI runs) it replays the seed corpus
 * under {@code src/test/resources/vn/lienthong/appliance/edxml/EdxmlDocumentFuzzTestInputs} (valid
 * messages and hostile ones: XXE, billion laughs, deep nesting, huge base64, many attributes); run
 * with {@code JAZZER_FUZZ=1} to fuzz (see the README). The limits are small so that the huge-base64
 * seed crosses them.
 */
class EdxmlDocumentFuzzTest {

    @BeforeAll
    static void replayWithoutInstrumentation() {
        // Jazzer 0.24's bytecode instrumentation cannot read Java 25 class files (major version 69):
        // it would only print a warning for every class loaded. Replaying the seeds needs none.
        // Jazzer reads these JUnit configuration parameters, which fall back to system properties.
        System.setProperty("jazzer.custom_hook_excludes", "**");
        System.setProperty("jazzer.additional_classes_excludes", "**");
    }

    static final EdxmlLimits LIMITS = new EdxmlLimits(1024 * 1024, 64 * 1024, 128 * 1024, 5000, 4000);

    @FuzzTest(maxDuration = "10m")
    void parseReturnsADocumentOrRejectsIt(byte[] xml) {
        EdxmlDocument document;
        try {
            document = EdxmlDocument.of(EdxmlMessage.parse(xml, LIMITS));
        } catch (EdxmlRejectedException e) {
            String sentence = e.getMessage();
            assertNotNull(sentence);
            assertFalse(sentence.isBlank());
            assertFalse(sentence.contains("\n") || sentence.contains("\r"), "one line: " + sentence);
            assertTrue(sentence.length() < 600, "short: " + sentence);
            assertNotNull(e.rule());
            return;
        }
        assertTrue(OrganId.isValid(document.fromOrganId()));
        assertFalse(document.recipientOrganIds().isEmpty());
        document.recipientOrganIds().forEach(id -> assertTrue(OrganId.isValid(id), id));
        assertFalse(document.documentId().isEmpty());
        assertEquals(document.kind() == EdxmlDocument.Kind.STATUS, document.statusCode() != null);
    }
}
