package vn.lienthong.hsm.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AuthProvider;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import vn.lienthong.hsm.sign.Signatures;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.testing.TokenFaults;

class TokenSupervisorTest {

    private static final byte[] DATA = "keep-alive".getBytes(StandardCharsets.UTF_8);
    private static SoftHsmTestToken softHsm;

    @BeforeAll
    static void oneTokenWithAKey() {
        softHsm = SoftHsmTestToken.create("supervised");
        Token token = Token.open(softHsm.config());
        token.generateKey("probe", KeyAlgorithm.EC_P256);
        // Left open: the login belongs to the process, and the supervisors below open the token again.
    }

    @AfterAll
    static void removeToken() {
        softHsm.close();
    }

    private static final Function<Token, byte[]> SIGN = token -> {
        TokenKey key = token.key("probe").orElseThrow();
        return Signatures.sign(key, key.defaultSignatureAlgorithm(), DATA);
    };

    @Test
    void aFailingTokenFailsFastUntilItIsBackThenIsReopenedWithoutARestart() {
        TokenFaults faults = new TokenFaults();
        TokenSupervisor supervisor = new TokenSupervisor(softHsm.config(), faults, faults);
        supervisor.use(SIGN);

        faults.broken.set(true);
        TokenUnavailableException first = assertThrows(TokenUnavailableException.class, () -> supervisor.use(SIGN));
        assertEquals("the HSM token '" + softHsm.label() + "' is unavailable (token '" + softHsm.label()
                + "' could not sign: CKR_DEVICE_ERROR); try again later", first.getMessage());
        assertFalse(supervisor.up());
        assertFalse(supervisor.check(SIGN), "still gone: reopening fails");
        AtomicBoolean reached = new AtomicBoolean();
        assertThrows(TokenUnavailableException.class, () -> supervisor.use(token -> {
            reached.set(true);
            return null;
        }));
        assertFalse(reached.get(), "while down nothing reaches the token");

        faults.broken.set(false);
        assertTrue(supervisor.check(SIGN));
        assertEquals(1, supervisor.reopenings());
        assertEquals(2, faults.opened.get(), "a new provider and a new login");
        assertTrue(supervisor.use(SIGN).length > 0);
        supervisor.close();
    }

    @Test
    void aLostLoginOnTheRealTokenIsNoticedAndTheAdapterLogsInAgainByItself() throws Exception {
        TokenSupervisor supervisor = TokenSupervisor.open(softHsm.config());
        supervisor.use(SIGN);

        // A real PKCS#11 fault: the process's login to the token is gone.
        ((AuthProvider) supervisor.current().provider()).logout();
        assertThrows(TokenUnavailableException.class, () -> supervisor.use(SIGN));
        assertFalse(supervisor.up());

        assertTrue(supervisor.check(SIGN));
        assertTrue(supervisor.use(SIGN).length > 0);
        assertEquals(1, supervisor.reopenings());
        supervisor.close();
    }

    @Test
    void aRefusedPinWhileReopeningIsTriedOnceAndNeverAgain() throws Exception {
        Path wrongPin = SoftHsmTestToken.writePinFile(Files.createTempFile("wrong", ".pin"), "9999-not-the-pin");
        AtomicInteger attempts = new AtomicInteger();
        AtomicBoolean pinChanged = new AtomicBoolean();
        TokenFaults faults = new TokenFaults();
        TokenSupervisor.Opener opener = config -> {
            attempts.incrementAndGet();
            return pinChanged.get()
                    ? Token.open(new TokenConfig(config.library(), config.label(), new PinSource.File(wrongPin)))
                    : Token.open(config);
        };
        TokenSupervisor supervisor = new TokenSupervisor(softHsm.config(), opener, faults);
        faults.broken.set(true);
        assertThrows(TokenUnavailableException.class, () -> supervisor.use(SIGN));
        // The token went away and a wrong PIN is configured when it comes back.
        ((AuthProvider) supervisor.current().provider()).logout();
        pinChanged.set(true);
        faults.broken.set(false);

        for (int i = 0; i < 3; i++) {
            assertFalse(supervisor.check(SIGN));
        }

        assertEquals(2, attempts.get(), "one open at start, one refused login, no retries");
        TokenUnavailableException refused = assertThrows(TokenUnavailableException.class, () -> supervisor.use(SIGN));
        assertEquals("the HSM token '" + softHsm.label() + "' is unavailable (the PIN for token '" + softHsm.label()
                + "' was refused); try again later", refused.getMessage());
        assertFalse(refused.getMessage().contains("9999"));
        Files.delete(wrongPin);
    }

    @Test
    void anOperationAskedOnAVirtualThreadRunsOnAPlatformThreadAndItsFailureComesBackAsIs() throws Exception {
        TokenSupervisor supervisor = TokenSupervisor.open(softHsm.config());
        try {
            java.util.concurrent.atomic.AtomicReference<Object> seen = new java.util.concurrent.atomic.AtomicReference<>();
            Thread.ofVirtual().start(() -> {
                boolean virtual = supervisor.use(t -> Thread.currentThread().isVirtual());
                RuntimeException failure = assertThrows(IllegalStateException.class, () -> supervisor.use(t -> {
                    throw new IllegalStateException("not the token's fault");
                }));
                seen.set(virtual + " " + failure.getMessage() + " " + supervisor.use(SIGN).length);
            }).join(30_000);
            assertTrue(String.valueOf(seen.get()).startsWith("false not the token's fault "), String.valueOf(seen.get()));
            assertTrue(supervisor.up());
        } finally {
            supervisor.close();
        }
    }
}
