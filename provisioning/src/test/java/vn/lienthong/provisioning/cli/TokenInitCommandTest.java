package vn.lienthong.provisioning.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.PinSource;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenConfig;
import vn.lienthong.provisioning.registry.ApplianceRegistry;

/**
 * {@code token init} runs softhsm2-util; the token it makes is checked by child processes, since
 * SoftHSM2 in this JVM cannot see a token created after its first PKCS#11 call.
 */
class TokenInitCommandTest {

    private static final String USER_PIN = "4321-user-pin";
    private static final String SO_PIN = "8765-so-pin";

    // Makes sure the SoftHSM2 configuration Surefire points SOFTHSM2_CONF at exists.
    private static SoftHsmTestToken fixture;
    private static String label;

    @TempDir
    static Path dir;

    @BeforeAll
    static void names() {
        fixture = SoftHsmTestToken.create("init-fixture");
        label = "init-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterAll
    static void deleteToken() throws Exception {
        child("softhsm2-util", "--delete-token", "--token", label);
        fixture.close();
    }

    private static ProvisioningEnvironment environment(TokenConfig config) {
        return new ProvisioningEnvironment() {
            @Override
            public TokenConfig tokenConfig() {
                return config;
            }

            @Override
            public Token token() {
                throw new AssertionError("token init must not open the token");
            }

            @Override
            public ApplianceRegistry registry() {
                throw new AssertionError("token init must not open the storage");
            }

            @Override
            public vn.lienthong.storage.Storage storage() {
                throw new AssertionError("token init must not open the storage");
            }

            @Override
            public void close() {
            }
        };
    }

    private static Path pinFile(String name, String pin) throws IOException {
        return SoftHsmTestToken.writePinFile(dir.resolve(name), pin);
    }

    @Test
    void initialisesASoftHsmTokenWithTheConfiguredLabelAndUserPinOnce() throws Exception {
        TokenConfig config = new TokenConfig(TokenConfig.SOFTHSM2_LIBRARY, label,
                new PinSource.File(pinFile("user.pin", USER_PIN)));
        String soPinFile = pinFile("so.pin", SO_PIN).toString();

        CliRun init = CliRun.of(path -> environment(config), "token", "init", "--so-pin-file", soPinFile);
        assertEquals(0, init.exitCode(), init::toString);
        assertFalse(init.out().contains(USER_PIN) || init.out().contains(SO_PIN), "no PIN printed");

        Child slots = child("softhsm2-util", "--show-slots");
        assertTrue(slots.output().lines().anyMatch(l -> l.strip().matches("Label:\\s+" + label)), slots::output);
        Child login = child("pkcs11-tool", "--module", TokenConfig.SOFTHSM2_LIBRARY.toString(),
                "--token-label", label, "--login", "--pin", USER_PIN, "--list-objects");
        assertEquals(0, login.exitCode(), "the configured user PIN opens the new token: " + login.output());

        CliRun again = CliRun.of(path -> environment(config), "token", "init", "--so-pin-file", soPinFile);
        assertEquals(1, again.exitCode(), again::toString);
        assertTrue(again.failedWithOneSentence(), again::toString);
        assertTrue(again.err().contains("already exists"), again::toString);
        long tokensWithLabel = child("softhsm2-util", "--show-slots").output().lines()
                .filter(l -> l.strip().matches("Label:\\s+" + label)).count();
        assertEquals(1, tokensWithLabel);
    }

    @Test
    void refusesAnHsmThatIsNotSoftHsm() throws Exception {
        TokenConfig luna = new TokenConfig(Path.of("/usr/safenet/lunaclient/lib/libCryptoki2_64.so"), "x",
                new PinSource.File(pinFile("luna.pin", USER_PIN)));
        CliRun refused = CliRun.of(path -> environment(luna), "token", "init",
                "--so-pin-file", pinFile("so2.pin", SO_PIN).toString());
        assertEquals(1, refused.exitCode(), refused::toString);
        assertTrue(refused.failedWithOneSentence(), refused::toString);
        assertTrue(refused.err().contains("vendor's tool"), refused::toString);
    }

    @Test
    void aMissingSoPinFileIsNamedAndNoTokenIsMade() {
        String other = "init-" + UUID.randomUUID().toString().substring(0, 8);
        TokenConfig config = new TokenConfig(TokenConfig.SOFTHSM2_LIBRARY, other, new PinSource.Environment("NOPE_X"));
        Path missing = dir.resolve("missing.pin");
        CliRun refused = CliRun.of(path -> environment(config), "token", "init", "--so-pin-file", missing.toString());
        assertEquals(1, refused.exitCode(), refused::toString);
        assertTrue(refused.failedWithOneSentence(), refused::toString);
        assertTrue(refused.err().contains(missing.toString()), refused::toString);
    }

    @Test
    void aTooShortPinIsRefusedWithoutShowingIt() throws Exception {
        String other = "init-" + UUID.randomUUID().toString().substring(0, 8);
        TokenConfig config = new TokenConfig(TokenConfig.SOFTHSM2_LIBRARY, other,
                new PinSource.File(pinFile("short.pin", "123")));
        CliRun refused = CliRun.of(path -> environment(config), "token", "init",
                "--so-pin-file", pinFile("so3.pin", SO_PIN).toString());
        assertEquals(1, refused.exitCode(), refused::toString);
        assertTrue(refused.err().contains("user PIN must have 4 to 255 characters"), refused::toString);
        assertFalse(refused.err().contains(SO_PIN), refused::toString);
        assertFalse(child("softhsm2-util", "--show-slots").output().contains(other));
    }

    record Child(int exitCode, String output) {
    }

    private static Child child(String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(List.of(command)).redirectErrorStream(true);
        builder.environment().put("SOFTHSM2_CONF", SoftHsmTestToken.softHsmConf().toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        return new Child(process.exitValue(), output);
    }
}
