package vn.lienthong.provisioning.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.storage.Storage;

/**
 * The CLI in its own process while this JVM holds the token and the LMDB environment open, as the
 * running service does: what the CLI writes is seen here at once, without reopening anything.
 */
class ProvisionProcessTest {

    private static SoftHsmTestToken softHsm;
    private static Storage storage;
    private static Token token;
    private static ApplianceRegistry registry;

    @TempDir
    static Path lmdb;

    @BeforeAll
    static void openLikeTheService() {
        softHsm = SoftHsmTestToken.create("proc");
        storage = Storage.open(lmdb, 64L * 1024 * 1024);
        registry = new ApplianceRegistry(storage.registry());
        token = Token.open(softHsm.config());
    }

    @AfterAll
    static void close() {
        token.close();
        storage.close();
        softHsm.close();
    }

    record Exit(int code, String out, String err) {
    }

    private static Exit provision(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The same JVM flags as this test JVM (lmdbjava's and the PKCS#11 wrapper's).
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--")).toList());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ProvisionChild.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("SOFTHSM2_CONF", SoftHsmTestToken.softHsmConf().toString());
        builder.environment().put("LT_TOKEN_LABEL", softHsm.label());
        builder.environment().put("LT_PIN_FILE", softHsm.pinFile().toString());
        builder.environment().put("LT_LMDB_DIR", lmdb.toString());
        Path err = Files.createTempFile(lmdb.getParent(), "child", ".err");
        Process process = builder.redirectError(err.toFile()).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the CLI process finished");
        return new Exit(process.exitValue(), out, Files.readString(err));
    }

    @Test
    void aTenantAndItsKeyMadeByTheCliAreSeenByTheRunningProcessWithoutReopening() throws Exception {
        Exit added = provision("tenant", "add", "000.00.00.P01", "--name", "Bộ Tài chính");
        assertEquals(0, added.code(), added::toString);
        assertEquals("Bộ Tài chính", registry.tenant("000.00.00.P01").orElseThrow().name());

        Exit generated = provision("key", "generate", "--tenant", "000.00.00.P01", "--alg", "ecp256");
        assertEquals(0, generated.code(), generated::toString);
        TokenKey key = token.key("sign-000.00.00.P01").orElseThrow();
        String fingerprint = HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(key.publicKey().getEncoded()));
        assertTrue(generated.out().contains("public key SHA-256: " + fingerprint), generated::toString);
    }

    @Test
    void aRefusedCommandExitsOneWithOneSentenceOnStderr() throws Exception {
        Exit refused = provision("csr", "--tenant", "000.00.00.P99");
        assertEquals(1, refused.code(), refused::toString);
        assertTrue(refused.err().matches("error: there is no tenant 000\\.00\\.00\\.P99; [^\\n]+\\.\\R"), refused::toString);
        assertEquals("", refused.out());
    }
}
