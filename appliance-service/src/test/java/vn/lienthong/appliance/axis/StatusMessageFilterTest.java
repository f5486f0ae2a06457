package vn.lienthong.appliance.axis;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StatusMessageFilterTest {

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aDocumentWithoutTheStatusCodeNameIsNotParsedAgainForItsStatus() {
        assertFalse(EnvelopeReceiver.mayBeStatusMessage(utf8("<?xml version=\"1.0\"?><edXML:edXML><Subject>Công văn</Subject></edXML:edXML>")));
        assertFalse(EnvelopeReceiver.mayBeStatusMessage(utf8("\n  <edXML:edXML/>")));
        assertFalse(EnvelopeReceiver.mayBeStatusMessage(utf8("\uFEFF<edXML:edXML/>")));
    }

    @Test
    void anythingThatMightBeAStatusMessageIsParsed() {
        assertTrue(EnvelopeReceiver.mayBeStatusMessage(utf8("<edXML:edXML><edXML:StatusCode>03</edXML:StatusCode></edXML:edXML>")));
        assertTrue(EnvelopeReceiver.mayBeStatusMessage(utf8("<a><StatusCode>01</StatusCode></a>")));
        // Not ASCII-compatible (UTF-16): the name's bytes differ, so only a parse can tell.
        assertTrue(EnvelopeReceiver.mayBeStatusMessage("<a><StatusCode>01</StatusCode></a>".getBytes(StandardCharsets.UTF_16)));
    }
}
