package vn.lienthong.appliance.edxml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OrganIdTest {

    @ParameterizedTest
    @ValueSource(strings = {"000.00.00.G22", "000.00.00.H41", "002.00.20.H13", "28.22.H17", "vxp.saas.03", "G22",
            "A2345678901234567890123456789012345"})
    void acceptsIdsOfTheShapesSeenOnTheAxis(String id) {
        assertTrue(OrganId.isValid(id));
        assertEquals(id, OrganId.of(id).value());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "x y", "000..00", ".000", "000.", "000.00.00.G22 ", "000/00", "000.00.00.Ｇ22", "Đ.01",
            "A23456789012345678901234567890123456"})
    void refusesAnythingElse(String id) {
        assertFalse(OrganId.isValid(id));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OrganId.of(id));
        assertTrue(e.getMessage().endsWith("is not an organ id"), e.getMessage());
    }

    @Test
    void refusesNull() {
        assertFalse(OrganId.isValid(null));
        assertThrows(IllegalArgumentException.class, () -> OrganId.of(null));
    }

    @Test
    void namesTheBadValueInPlainWords() {
        assertEquals("'x y' is not an organ id",
                assertThrows(IllegalArgumentException.class, () -> OrganId.of("x y")).getMessage());
    }
}
