package vn.lienthong.hsm.token;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.hsm.HsmException;

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
        Path file = Files.writeString(dir.resolve("pin"), "  s3cret pin \r\nsecond line\n");

        assertArrayEquals("s3cret pin".toCharArray(), new PinSource.File(file).read());
    }

    @Test
    void namesTheFileThatDoesNotExistOrIsEmpty() throws Exception {
        Path missing = dir.resolve("absent.pin");
        Path empty = Files.writeString(dir.resolve("empty.pin"), "\n");

        assertEquals("the PIN file " + missing + " does not exist",
                assertThrows(HsmException.class, () -> new PinSource.File(missing).read()).getMessage());
        assertEquals("the PIN file " + empty + " is empty",
                assertThrows(HsmException.class, () -> new PinSource.File(empty).read()).getMessage());
    }

    @Test
    void neverShowsThePinInToString() throws Exception {
        Path file = Files.writeString(dir.resolve("pin"), "topsecret\n");

        assertFalse(new PinSource.File(file).toString().contains("topsecret"));
    }
}
