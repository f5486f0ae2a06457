package vn.lienthong.appliance.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IntakeWatermarkConfigTest {

    @TempDir
    Path dir;

    private ApplianceConfig load(String storageExtra) throws Exception {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, """
                storage:
                  path: data
                %s
                hsm:
                  library: /usr/lib/softhsm/libsofthsm2.so
                  token-label: t
                  pin: env:PIN
                """.formatted(storageExtra));
        return ApplianceConfig.load(file);
    }

    @Test
    void intakeStopsAt90AndResumesBelow80PercentUnlessConfigured() throws Exception {
        assertEquals(new ApplianceConfig.IntakeWatermark(90, 80), load("").intakeWatermark());
        assertEquals(new ApplianceConfig.IntakeWatermark(95, 70), load("""
                  intake-high-water-percent: 95
                  intake-low-water-percent: 70
                """).intakeWatermark());
    }

    @Test
    void aLowWaterMarkAboveTheHighOneIsRefusedNamingTheKey() {
        ConfigurationException e = assertThrows(ConfigurationException.class, () -> load("""
                  intake-high-water-percent: 70
                  intake-low-water-percent: 80
                """));
        assertTrue(e.getMessage().contains("storage.intake-low-water-percent"), e.getMessage());
        assertThrows(ConfigurationException.class, () -> load("  intake-high-water-percent: 0\n"));
    }
}
