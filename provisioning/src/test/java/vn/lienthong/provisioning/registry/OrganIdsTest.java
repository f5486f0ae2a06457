package vn.lienthong.provisioning.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class OrganIdsTest {

    @Test
    void acceptsTheAxisOrganIdShapes() {
        for (String id : List.of("000.00.00.G22", "28.22.H17", "vxp.saas.03", "H41", "a".repeat(35))) {
            assertTrue(OrganIds.isValid(id), id);
            assertEquals(id, OrganIds.requireValid(id));
        }
    }

    @Test
    void rejectsAnythingElseWithAPlainSentence() {
        List<String> bad = List.of("", ".G22", "G22.", "000..G22", "000.00 .G22", "000-00", "000_00",
                "Bộ.01", "a".repeat(36), "000.00.00.G22\n", "../etc");
        for (String id : bad) {
            assertFalse(OrganIds.isValid(id), id);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OrganIds.requireValid(id));
            assertTrue(e.getMessage().contains("is not an organ id"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line");
        }
        assertFalse(OrganIds.isValid(null));
    }
}
