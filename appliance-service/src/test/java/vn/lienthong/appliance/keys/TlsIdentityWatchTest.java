package vn.lienthong.appliance.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import vn.lienthong.hsm.sign.Signatures;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.testing.TokenFaults;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;
import vn.lienthong.hsm.token.TokenSupervisor;

/**
 * The TLS identity follows the token through a fault: once the supervisor has reopened the token,
 * the listeners are handed the key of the new session (the old provider's handle would die with a
 * real device), and nothing is handed over while nothing changed.
 */
class TlsIdentityWatchTest {

    private static SoftHsmTestToken softHsm;

    @BeforeAll
    static void tokenWithATlsKey() {
        softHsm = SoftHsmTestToken.create("tls-watch");
        // Left open: the login belongs to the process, and the supervisor opens the token again.
        Token.open(softHsm.config()).generateKey("tls", KeyAlgorithm.EC_P256);
    }

    @AfterAll
    static void removeToken() {
        softHsm.close();
    }

    @Test
    void afterTheTokenIsReopenedTheListenersGetTheNewSessionsKeyAndItSigns() {
        TokenFaults faults = new TokenFaults();
        try (TokenSupervisor supervisor = new TokenSupervisor(softHsm.config(), faults, faults)) {
            Function<Token, TokenKey> tlsKey = t -> t.key("tls").orElseThrow();
            TokenKey first = supervisor.use(tlsKey);
            List<TokenKey> handedOver = new ArrayList<>();
            TlsIdentityWatch watch = new TlsIdentityWatch(() -> supervisor.use(t -> {
                t.reload();
                return null;
            }), () -> supervisor.use(tlsKey), first, handedOver::add);

            watch.run();
            assertEquals(List.of(), handedOver, "nothing changed, nothing handed over");

            faults.broken.set(true);
            watch.run();
            assertFalse(supervisor.up(), "the fault marked the token down");
            assertEquals(List.of(), handedOver, "while the token is down the listeners keep what they have");

            faults.broken.set(false);
            assertTrue(supervisor.check(tlsKey), "the token is reopened");
            watch.run();
            watch.run();

            assertEquals(1, handedOver.size(), "handed over once: " + handedOver);
            TokenKey renewed = handedOver.getFirst();
            assertSame(supervisor.current().provider(), renewed.provider());
            assertNotSame(first.provider(), renewed.provider());
            assertEquals(first.certificate(), renewed.certificate());
            byte[] data = "handshake transcript".getBytes(StandardCharsets.UTF_8);
            assertTrue(Signatures.verify(renewed.publicKey(), renewed.defaultSignatureAlgorithm(), data,
                    Signatures.sign(renewed, renewed.defaultSignatureAlgorithm(), data)));
        }
    }
}
