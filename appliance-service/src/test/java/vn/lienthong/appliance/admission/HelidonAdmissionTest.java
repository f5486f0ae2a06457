package vn.lienthong.appliance.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import vn.lienthong.appliance.api.ProblemException;

/**
 * The limits Helidon lacks, added by {@link HelidonAdmission} to a real Helidon listener on loopback: connections
 * per client address, and a body slower than the minimum rate answered 408.
 */
class HelidonAdmissionTest {

    private WebServer server;
    private final List<Socket> sockets = new ArrayList<>();
    private final List<String> refusals = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeEach
    void startAServerWithTightLimits() {
        HelidonAdmission admission = new HelidonAdmission(new ListenerLimits(16, 2, 1, 16, Duration.ofSeconds(5), 8192),
                refusals::add);
        HttpRouting.Builder routing = HttpRouting.builder().addFilter(admission.bodyRate())
                .post("/echo", (req, res) -> {
                    try (InputStream body = req.content().inputStream()) {
                        res.send("read " + body.readAllBytes().length + " bytes");
                    } catch (ProblemException e) {
                        res.status(e.problem().status()).send(e.problem().slug());
                    }
                })
                .get("/", (req, res) -> res.send("ok"));
        server = admission.configure(WebServer.builder()).host("127.0.0.1").port(0).shutdownHook(false)
                .routing(routing).build().start();
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        server.stop();
    }

    private Socket connect(String from) throws IOException {
        Socket socket = new Socket();
        sockets.add(socket);
        socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static String statusAfter(Socket socket, String request) throws IOException {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return statusLine(socket.getInputStream());
    }

    private static String statusLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\r'; c = in.read()) {
            line.append((char) c);
        }
        return line.toString();
    }

    @Test
    void closesAConnectionBeyondThePerAddressLimitAndServesAnotherAddress() throws Exception {
        Socket first = connect("127.0.0.1");
        Socket second = connect("127.0.0.1");
        assertEquals("HTTP/1.1 200 OK", statusAfter(first, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertEquals("HTTP/1.1 200 OK", statusAfter(second, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));

        Socket third = connect("127.0.0.1");
        String refused;
        try {
            refused = statusAfter(third, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        } catch (IOException e) {
            refused = "";
        }
        assertEquals("", refused, "a third connection from one address was served");
        assertEquals(List.of("address-limit"), refusals);

        assertEquals("HTTP/1.1 200 OK", statusAfter(connect("127.0.0.2"), "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    }

    @Test
    void answersABodySlowerThanTheMinimumRateWith408() throws Exception {
        Socket socket = connect("127.0.0.1");
        socket.setSoTimeout(200);
        OutputStream out = socket.getOutputStream();
        out.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        String status = "";
        long giveUp = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (status.isEmpty() && System.nanoTime() < giveUp) {
            out.write('x');
            out.flush();
            try {
                status = statusLine(socket.getInputStream());
            } catch (SocketTimeoutException e) {
                // not cut off yet: one more byte
            }
        }
        assertTrue(status.startsWith("HTTP/1.1 408"), status);
    }

    @Test
    void takesABodyThatArrivesFastEnough() throws Exception {
        String body = "x".repeat(50_000);
        assertEquals("HTTP/1.1 200 OK", statusAfter(connect("127.0.0.1"), "POST /echo HTTP/1.1\r\nHost: x\r\n"
                + "Content-Length: " + body.length() + "\r\n\r\n" + body));
    }
}
