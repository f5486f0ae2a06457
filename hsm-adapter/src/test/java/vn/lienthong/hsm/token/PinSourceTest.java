package vn.lienthong.hsm.token;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.hsm.HsmException;
import vn.lienthong.hsm.testing.SoftHsmTestToken;

class PinSourceTest {

    @TempDir
    Path dir;

    @Test
    void parsesAnEnvironmentVariableAndAFile() {
        assertEquals(new PinSource.Environment("HSM_PIN"), PinSource.parse("env:HSM_PIN"));
        assertEquals(new PinSource.File(Path.of("/etc/lienthong/pin")), PinSource.parse("file:/etc/lienthong/pin"));
    }

    @Test
    void refusesAnyOtherSpellingWithoutEchoingIt() {
        var refused = assertThrows(IllegalArgumentException.class, () -> PinSource.parse("123456"));

        assertEquals("the PIN source is not understood: use env:VARIABLE or file:/path/to/pin", refused.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PinSource.parse("env:"));
    }

    @Test
    void readsThePinFromTheEnvironment() {
        // hsm-adapter/pom.xml sets this variable for every test JVM.
        assertArrayEquals("1234-test-pin".toCharArray(), new PinSource.Environment("LIENTHONG_TEST_PIN").read());
    }

    @Test
    void namesTheVariableThatIsNotSet() {
        HsmException missing = assertThrows(HsmException.class,
                () -> new PinSource.Environment("LIENTHONG_NO_SUCH_VARIABLE").read());

        assertEquals("the environment variable LIENTHONG_NO_SUCH_VARIABLE that should hold the token PIN is not set",
                missing.getMessage());
    }

    @Test
    void readsTheFirstLineOfTheFileTrimmed() throws Exception {
        Path file = SoftHsmTestToken.writePinFile(dir.resolve("pin"), "  s3cret pin \r\nsecond line");

        assertArrayEquals("s3cret pin".toCharArray(), new PinSource.File(file).read());
    }

    @Test
    void namesTheFileThatDoesNotExistOrIsEmpty() throws Exception {
        Path missing = dir.resolve("absent.pin");
        Path empty = SoftHsmTestToken.writePinFile(dir.resolve("empty.pin"), "");

        assertEquals("the PIN file " + missing + " does not exist",
                assertThrows(HsmException.class, () -> new PinSource.File(missing).read()).getMessage());
        assertEquals("the PIN file " + empty + " is empty",
                assertThrows(HsmException.class, () -> new PinSource.File(empty).read()).getMessage());
    }

    @Test
    void refusesAPinFileThatGroupOrOthersCanReadNamingTheFileAndItsMode() throws Exception {
        Path groupReadable = SoftHsmTestToken.writePinFile(dir.resolve("group.pin"), "s3cret");
        Files.setPosixFilePermissions(groupReadable, PosixFilePermissions.fromString("rw-r-----"));
        Path worldReadable = SoftHsmTestToken.writePinFile(dir.resolve("world.pin"), "s3cret");
        Files.setPosixFilePermissions(worldReadable, PosixFilePermissions.fromString("rw-r--r--"));

        HsmException group = assertThrows(HsmException.class, () -> new PinSource.File(groupReadable).read());
        HsmException world = assertThrows(HsmException.class, () -> new PinSource.File(worldReadable).read());

        assertEquals("the PIN file " + groupReadable + " has mode 640, readable by group or others: "
                + "make it readable by the appliance's user only (chmod 600)", group.getMessage());
        assertTrue(world.getMessage().startsWith("the PIN file " + worldReadable + " has mode 644,"), world.getMessage());
        assertFalse(world.getMessage().contains("s3cret"));
    }

    @Test
    void acceptsAPinFileOnlyItsOwnerCanRead() throws Exception {
        Path ownerOnly = SoftHsmTestToken.writePinFile(dir.resolve("owner.pin"), "s3cret");
        Files.setPosixFilePermissions(ownerOnly, PosixFilePermissions.fromString("r--------"));

        assertArrayEquals("s3cret".toCharArray(), new PinSource.File(ownerOnly).read());
    }

    @Test
    void neverShowsThePinInToString() throws Exception {
        Path file = SoftHsmTestToken.writePinFile(dir.resolve("pin"), "topsecret");

        assertFalse(new PinSource.File(file).toString().contains("topsecret"));
    }
}
