package vn.lienthong.appliance.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PeerAnswerTest {

    @Test
    void keepsTheFirstLineWithoutControlOrFormatCharacters() {
        byte[] answer = "\u001b[31mrefused\u0007\u202e: tenant\tsuspended\r\nFORGED log line\n".getBytes(StandardCharsets.UTF_8);
        assertEquals("[31mrefused: tenantsuspended …", PeerAnswer.oneLine(answer));
    }

    @Test
    void shortensALongLineAndNeverDecodesMoreThanItQuotes() {
        String line = PeerAnswer.oneLine("é".repeat(1_000_000).getBytes(StandardCharsets.UTF_8));
        assertTrue(line.length() <= PeerAnswer.MAX_QUOTED_CHARS + 2, line.length() + " characters");
        assertTrue(line.endsWith(" …"), line);
    }

    @Test
    void replacesBytesThatAreNotUtf8() {
        assertEquals("a\uFFFDb", PeerAnswer.oneLine(new byte[] {'a', (byte) 0xC3, 'b'}));
    }
}
