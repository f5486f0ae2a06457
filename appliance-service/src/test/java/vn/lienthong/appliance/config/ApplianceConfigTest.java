package vn.lienthong.appliance.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApplianceConfigTest {

    private static final String VENDOR_LIBRARY = "  library: /opt/hsm/libvendor.so\n";

    @TempDir
    Path dir;

    @Test
    void aMissingHsmLibraryIsAConfigurationErrorNamingTheKey() throws Exception {
        Path file = configWithHsm("");

        ConfigurationException refused = assertThrows(ConfigurationException.class, () -> ApplianceConfig.load(file));

        assertEquals("the configuration file has no 'hsm.library'", refused.getMessage());
    }

    @Test
    void aFurtherTokenWithoutALibraryIsAConfigurationErrorNamingTheToken() throws Exception {
        Path file = configWithHsm(VENDOR_LIBRARY + """
                  tokens:
                    - token-label: tenants-h
                      pin: env:LIENTHONG_PIN_H
                      tenants: [ "000.00.00.H41" ]
                """);

        ConfigurationException refused = assertThrows(ConfigurationException.class, () -> ApplianceConfig.load(file));

        assertEquals("the configuration file has no 'library' for the token 'tenants-h' under hsm.tokens",
                refused.getMessage());
    }

    @Test
    void theConfiguredLibraryIsTheOneUsed() throws Exception {
        Path file = configWithHsm(VENDOR_LIBRARY);

        assertEquals(Path.of("/opt/hsm/libvendor.so"), ApplianceConfig.load(file).token().library());
    }

    private Path configWithHsm(String moreHsmLines) throws Exception {
        return Files.writeString(dir.resolve("config.yaml"), """
                storage:
                  path: data
                hsm:
                  token-label: lienthong
                  pin: file:pin
                """ + moreHsmLines);
    }
}
