package vn.lienthong.appliance.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;

/**
 * The bounded pool of handshake signers: signatures run on its platform threads, work that finds no signer
 * within the wait is dropped, and a JSSE listener (as the Helidon APIs are) signs through it with a key in
 * SoftHSM2, EC and RSA alike.
 */
class HandshakeSignersTest {

    private static SoftHsmTestToken softHsm;
    private static Token token;
    private static TestPki pki;
    private static TokenKey ecServer;
    private static TokenKey rsaServer;
    private static TokenKey client;

    @BeforeAll
    static void makeKeys() {
        softHsm = SoftHsmTestToken.create("signers");
        token = Token.open(softHsm.config());
        pki = TestPki.create("Signers Root");
        ecServer = pki.issueInToken(token, "tls-ec", KeyAlgorithm.EC_P256, "ec", TestPki.Role.SERVER_AND_CLIENT);
        rsaServer = pki.issueInToken(token, "tls-rsa", KeyAlgorithm.RSA_2048, "rsa", TestPki.Role.SERVER_AND_CLIENT);
        client = pki.softwareKey("appliance-a", TestPki.Role.SERVER_AND_CLIENT);
    }

    @AfterAll
    static void closeToken() {
        if (token != null) {
            token.close();
        }
        softHsm.close();
    }

    /** Occupies every one of the pool's {@code size} signers until the latch opens. */
    private static void occupy(HandshakeSigners signers, int size, CountDownLatch release) {
        for (int i = 0; i < size; i++) {
            signers.submit(() -> {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return new byte[0];
            });
        }
    }

    @Test
    void signsOnPlatformThreadsAndDropsWorkThatGetsNoSignerWithinTheWait() throws Exception {
        try (HandshakeSigners signers = new HandshakeSigners(1, Duration.ofMillis(200))) {
            AtomicBoolean virtual = new AtomicBoolean(true);
            assertArrayEquals(new byte[] {1}, signers.submit(() -> {
                virtual.set(Thread.currentThread().isVirtual());
                return new byte[] {1};
            }).get(10, TimeUnit.SECONDS));
            assertFalse(virtual.get(), "a handshake signature ran on a virtual thread");

            CountDownLatch release = new CountDownLatch(1);
            occupy(signers, 1, release);
            AtomicBoolean ran = new AtomicBoolean();
            CompletableFuture<byte[]> late = signers.submit(() -> {
                ran.set(true);
                return new byte[0];
            });
            ExecutionException dropped = assertThrows(ExecutionException.class, () -> late.get(10, TimeUnit.SECONDS));
            assertInstanceOf(SignerBusyException.class, dropped.getCause());
            assertEquals(1, signers.dropped());

            release.countDown();
            assertArrayEquals(new byte[] {2}, signers.submit(() -> new byte[] {2}).get(10, TimeUnit.SECONDS));
            assertFalse(ran.get(), "dropped work was run after all");
        }
    }

    @Test
    void aJsseListenerSignsItsHandshakesOnThePoolWithAnEcOrRsaKeyInTheHsm() throws Exception {
        for (TokenKey server : List.of(ecServer, rsaServer)) {
            try (HandshakeSigners signers = HandshakeSigners.withDefaults()) {
                assertEquals("TLSv1.3", handshake(server, signers), server.alias());
            }
        }
    }

    @Test
    void aJsseHandshakeThatGetsNoSignerInTimeFailsAndIsCounted() throws Exception {
        AtomicInteger refusals = new AtomicInteger();
        try (HandshakeSigners pool = new HandshakeSigners(1, Duration.ofMillis(300))) {
            CountDownLatch release = new CountDownLatch(1);
            occupy(pool, 1, release);
            try {
                assertThrows(IOException.class, () -> handshake(ecServer, pool.reporting(refusals::incrementAndGet)));
                assertEquals(1, refusals.get());
            } finally {
                release.countDown();
            }
            assertEquals("TLSv1.3", handshake(ecServer, pool));
        }
    }

    /** One handshake with a JSSE server presenting {@code server} through {@code signers}; the protocol. */
    private static String handshake(TokenKey server, HandshakeSigners signers) throws Exception {
        SSLContext serverContext = JsseContexts.server(() -> server,
                new AnchorTrustManager(() -> List.of(pki.certificate())), signers);
        try (SSLServerSocket listening = (SSLServerSocket) serverContext.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread accepting = Thread.ofVirtual().start(() -> {
                try (SSLSocket accepted = (SSLSocket) listening.accept()) {
                    accepted.startHandshake();
                    accepted.getOutputStream().write(1);
                    accepted.getOutputStream().flush();
                    accepted.getInputStream().read();
                } catch (IOException e) {
                    // the client sees the failure
                }
            });
            SSLContext clientContext = JsseContexts.client(client,
                    new PinnedServerTrustManager(() -> List.of(pki.certificate()),
                            PinnedServerTrustManager.pinOf(server.certificate())));
            try (SSLSocket socket = (SSLSocket) clientContext.getSocketFactory().createSocket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listening.getLocalPort()),
                        5_000);
                socket.setSoTimeout(10_000);
                var parameters = socket.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm(null);
                socket.setSSLParameters(parameters);
                socket.startHandshake();
                if (socket.getInputStream().read() != 1) {
                    throw new IOException("the server closed the connection");
                }
                socket.getOutputStream().write(1);
                return socket.getSession().getProtocol();
            } finally {
                accepting.join(10_000);
            }
        }
    }
}
