package vn.lienthong.appliance.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.appliance.admission.ListenerLimits;

/** The admission keys of {@code config.yaml}: read per listener, defaults where absent, refused when out of range. */
class ListenerLimitsConfigTest {

    @TempDir
    Path dir;

    private ApplianceConfig load(String listeners, String hsm) throws Exception {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, """
                listeners:
                %s
                storage:
                  path: data
                hsm:
                  library: /usr/lib/softhsm/libsofthsm2.so
                  token-label: t
                  pin: env:LIENTHONG_TEST_PIN
                %s
                """.formatted(listeners, hsm));
        return ApplianceConfig.load(file);
    }

    @Test
    void readsEachListenersLimitsAndTheHandshakeSigners() throws Exception {
        ApplianceConfig config = load("""
                  axis:
                    port: 5500
                    max-connections: 100
                    max-connections-per-address: 8
                    max-concurrent-streams: 4
                    max-concurrent-requests: 50
                    request-header-timeout-seconds: 3
                    min-body-rate-bytes-per-second: 1000
                  api:
                    max-connections-per-address: 16
                """, "  handshake-signers: 2");

        assertEquals(new ListenerLimits(100, 8, 4, 50, Duration.ofSeconds(3), 1000), config.axis().limits());
        assertEquals(16, config.api().limits().maxConnectionsPerAddress());
        assertEquals(ListenerLimits.DEFAULTS.maxConnections(), config.api().limits().maxConnections());
        assertEquals(ListenerLimits.DEFAULTS, config.ops().limits());
        assertEquals(2, config.hsmHandshakeSigners());
    }

    @Test
    void takesTheDefaultsOfIssue14WhenNothingIsSaid() throws Exception {
        ApplianceConfig config = load("  axis: { port: 5500 }", "");

        ListenerLimits axis = config.axis().limits();
        assertEquals(1024, axis.maxConnections());
        assertEquals(64, axis.maxConnectionsPerAddress());
        assertEquals(32, axis.maxConcurrentStreams());
        assertEquals(Duration.ofSeconds(10), axis.requestHeaderTimeout());
        assertEquals(8192, axis.minBodyRateBytesPerSecond());
        assertEquals(4, config.hsmHandshakeSigners());
    }

    @Test
    void refusesALimitOutOfRangeNamingItsKey() {
        ConfigurationException refused = assertThrows(ConfigurationException.class,
                () -> load("  axis:\n    max-connections-per-address: 0", ""));
        assertTrue(refused.getMessage().contains("max-connections-per-address"), refused.getMessage());
        ConfigurationException signers = assertThrows(ConfigurationException.class,
                () -> load("  axis: { port: 5500 }", "  handshake-signers: 0"));
        assertTrue(signers.getMessage().contains("hsm.handshake-signers"), signers.getMessage());
    }
}
