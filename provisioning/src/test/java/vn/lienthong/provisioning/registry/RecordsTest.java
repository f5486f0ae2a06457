package vn.lienthong.provisioning.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordsTest {

    private static final String PIN = "0123456789abcdef".repeat(4);

    @Test
    void tenantKeyAliasIsSignDashOrganIdAndFingerprintsAreLowerCaseAndUnique() {
        Tenant tenant = Tenant.of("000.00.00.G22", "  Bộ Tư pháp ")
                .withDmsCertificate(PIN.toUpperCase())
                .withDmsCertificate(PIN);
        assertEquals("sign-000.00.00.G22", tenant.keyAlias());
        assertEquals("Bộ Tư pháp", tenant.name());
        assertEquals(List.of(PIN), tenant.dmsCertificateSha256());
    }

    @Test
    void tenantRefusesAnotherKeyAliasABlankNameOrABadFingerprint() {
        assertThrows(IllegalArgumentException.class, () -> new Tenant("000.00.00.G22", "x", "sign-other", List.of()));
        assertThrows(IllegalArgumentException.class, () -> Tenant.of("000.00.00.G22", " "));
        assertThrows(IllegalArgumentException.class, () -> Tenant.of("000.00.00.G22", "x").withDmsCertificate("ab"));
        assertThrows(IllegalArgumentException.class, () -> Tenant.of("bad id", "x"));
        assertThrows(IllegalArgumentException.class, () -> Tenant.of("000.00.00.G22", "a\nb"));
        assertThrows(IllegalArgumentException.class, () -> Tenant.of("000.00.00.G22", "x".repeat(65)));
        assertEquals(64, Tenant.of("000.00.00.G22", "x".repeat(64)).name().length());
    }

    @Test
    void directoryEntryNeedsHttpsWithHostAndPortAndA64HexPin() {
        DirectoryEntry entry = new DirectoryEntry("000.00.00.H41", URI.create("https://localhost:25500"), PIN.toUpperCase());
        assertEquals(PIN, entry.tlsCertificateSha256());
        for (String uri : List.of("http://localhost:25500", "https://localhost", "https://:5500", "localhost:5500",
                "https://user@localhost:5500", "https://localhost:5500?x=1", "mailto:a@b")) {
            assertThrows(IllegalArgumentException.class,
                    () -> new DirectoryEntry("000.00.00.H41", URI.create(uri), PIN), uri);
        }
        assertThrows(IllegalArgumentException.class,
                () -> new DirectoryEntry("000.00.00.H41", URI.create("https://localhost:25500"), PIN + "0"));
        assertThrows(IllegalArgumentException.class,
                () -> new DirectoryEntry("000.00.00.H41", URI.create("https://localhost:25500"), "g".repeat(64)));
    }

    @Test
    void aStagedRolloverSignsWithTheNextKeyFromTheChosenMomentOn() {
        Tenant tenant = Tenant.of("000.00.00.G22", "Văn phòng");
        assertEquals("sign-000.00.00.G22_2", tenant.nextGenerationAlias());
        java.time.Instant at = java.time.Instant.parse("2026-12-01T00:00:00Z");
        Tenant staged = tenant.withNextKey(tenant.nextGenerationAlias()).withSwitchAt(at);
        assertEquals("sign-000.00.00.G22", staged.signingKeyAlias(at.minusMillis(1)));
        assertEquals("sign-000.00.00.G22_2", staged.signingKeyAlias(at));
        Tenant settled = staged.settled(at);
        assertEquals("sign-000.00.00.G22_2", settled.keyAlias());
        assertEquals(null, settled.nextKeyAlias());
        assertEquals("sign-000.00.00.G22_3", settled.nextGenerationAlias());
        assertThrows(IllegalArgumentException.class, () -> tenant.withNextKey("sign-000.00.00.G22"));
        assertThrows(IllegalArgumentException.class, () -> tenant.withNextKey("sign-000.00.00.G23_2"));
    }

    @Test
    void aNextKeyAliasNeverEqualsTheKeyAliasOfAnotherOrgan() {
        Tenant x = Tenant.of("000.00.00.G22", "Văn phòng");
        Tenant x2 = Tenant.of("000.00.00.G22.2", "Một đơn vị con");

        assertNotEquals(x2.keyAlias(), x.nextGenerationAlias());
    }

    @Test
    void readsARolloverAliasOfTheFormerFormAndMigratesIt() {
        Tenant legacy = new Tenant("000.00.00.G22", "Văn phòng", "sign-000.00.00.G22.2", List.of(),
                null, null, "sign-000.00.00.G22.3", null);

        assertTrue(legacy.hasLegacyAlias());
        Tenant migrated = legacy.withMigratedAliases();
        assertEquals("sign-000.00.00.G22_2", migrated.keyAlias());
        assertEquals("sign-000.00.00.G22_3", migrated.nextKeyAlias());
        assertFalse(migrated.hasLegacyAlias());
        assertFalse(Tenant.of("000.00.00.G22.2", "con").hasLegacyAlias(), "a base alias with a dot is no rollover");
    }
}
