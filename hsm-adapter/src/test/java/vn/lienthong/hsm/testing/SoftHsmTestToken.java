package vn.lienthong.hsm.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import vn.lienthong.hsm.token.PinSource;
import vn.lienthong.hsm.token.TokenConfig;

/**
 * A real SoftHSM2 token made for one test class with {@code softhsm2-util}, removed on close.
 *
 * <p>SoftHSM2 reads its token directory once per process, when PKCS#11 is first initialised; a
 * token created later is invisible to that process. So create every token a test class needs
 * (in {@code @BeforeAll}) before anything opens one. Surefire runs each test class in a fresh JVM
 * and points {@code SOFTHSM2_CONF} at {@code target/softhsm/softhsm2.conf}, which this class
 * writes on first use.
 */
public final class SoftHsmTestToken implements AutoCloseable {

    private static final String USER_PIN = "1234-test-pin";
    private static final String SO_PIN = "5678-test-so-pin";

    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private final String label;
    private final Path pinFile;

    private SoftHsmTestToken(String label, Path pinFile) {
        this.label = label;
        this.pinFile = pinFile;
    }

    /** Initialises a fresh token labelled {@code prefix-<random>} with a PIN file beside it. */
    public static SoftHsmTestToken create(String prefix) {
        try {
            Path dir = softHsmDirectory();
            Path tokens = dir.resolve("tokens");
            Files.createDirectories(tokens);
            Path conf = dir.resolve("softhsm2.conf");
            if (!Files.exists(conf)) {
                Files.writeString(conf, "directories.tokendir = " + tokens.toAbsolutePath() + "\n"
                        + "objectstore.backend = file\nlog.level = ERROR\n");
            }
            String label = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
            run(conf, List.of("softhsm2-util", "--init-token", "--free", "--label", label,
                    "--pin", USER_PIN, "--so-pin", SO_PIN));
            Path pinFile = writePinFile(Files.createTempFile(dir, label, ".pin", OWNER_ONLY), USER_PIN);
            return new SoftHsmTestToken(label, pinFile);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a SoftHSM2 test token: " + e.getMessage(), e);
        }
    }

    /** Writes {@code pin} as the only line of {@code file}, mode 600 as PinSource requires; returns the file. */
    public static Path writePinFile(Path file, String pin) throws IOException {
        if (!Files.exists(file)) {
            Files.createFile(file, OWNER_ONLY);
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return Files.writeString(file, pin + "\n");
    }

    /** The directory holding {@code softhsm2.conf} and the token files for this test JVM. */
    public static Path softHsmDirectory() {
        String configured = System.getProperty("lienthong.test.softhsm.dir");
        return Path.of(configured != null ? configured : "target/softhsm").toAbsolutePath();
    }

    /** The {@code softhsm2.conf} this JVM's SoftHSM2 reads (what {@code SOFTHSM2_CONF} names). */
    public static Path softHsmConf() {
        String env = System.getenv("SOFTHSM2_CONF");
        return env != null ? Path.of(env) : softHsmDirectory().resolve("softhsm2.conf");
    }

    public String label() {
        return label;
    }

    public String pin() {
        return USER_PIN;
    }

    public Path pinFile() {
        return pinFile;
    }

    /** A configuration that opens this token with the PIN from its file. */
    public TokenConfig config() {
        return new TokenConfig(TokenConfig.SOFTHSM2_LIBRARY, label, new PinSource.File(pinFile));
    }

    @Override
    public void close() {
        try {
            run(softHsmConf(), List.of("softhsm2-util", "--delete-token", "--token", label));
            Files.deleteIfExists(pinFile);
        } catch (IOException | RuntimeException e) {
            // A leftover token in target/ is harmless; the next clean build removes it.
        }
    }

    private static void run(Path conf, List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("SOFTHSM2_CONF", conf.toString());
        Process p = pb.start();
        try {
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", command.subList(0, 2)) + " failed: " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
