package vn.lienthong.appliance.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A tenant's document system as the local API sees it: an HTTPS client with the tenant's DMS
 * client certificate. The demo and the end-to-end tests use it; any HTTPS client (curl) can do the same.
 */
public final class DocumentSystemClient implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI api;
    private final HttpClient http;

    /** A client for the API at {@code api}, trusting {@code root} for the server's certificate. */
    public DocumentSystemClient(URI api, PrivateKey key, X509Certificate certificate, X509Certificate root) {
        this.api = api;
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            char[] password = "in-memory".toCharArray();
            keys.setKeyEntry("dms", key, password, new X509Certificate[] {certificate});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("root", root);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            this.http = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(10)).build();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up the document system's TLS client: " + e.getMessage(), e);
        }
    }

    /** An answer: status code, content type, body and all headers. */
    public record Answer(int status, String contentType, byte[] body, java.net.http.HttpHeaders headers) {
        public Answer(int status, String contentType, byte[] body) {
            this(status, contentType, body, java.net.http.HttpHeaders.of(java.util.Map.of(), (name, value) -> true));
        }

        /** The first value of a header, or empty. */
        public java.util.Optional<String> header(String name) {
            return headers.firstValue(name);
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("the answer is not JSON: " + new String(body), e);
            }
        }

        public String text() {
            return new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** Calls an operation of the SDK facade (e.g. {@code /sendEdoc}) with the given headers and body. */
    public Answer sdk(String operation, java.util.Map<String, String> headers, String contentType, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(api.resolve(operation))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        headers.forEach(request::header);
        return send(request);
    }

    public Answer submit(byte[] edxml) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(api.resolve("/api/v1/outbox"))
                .header("Content-Type", "application/xml")
                .POST(HttpRequest.BodyPublishers.ofByteArray(edxml)));
    }

    /** Submits with an {@code Idempotency-Key}: submitting again with the same key returns the same id. */
    public Answer submit(byte[] edxml, String idempotencyKey) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(api.resolve("/api/v1/outbox"))
                .header("Content-Type", "application/xml")
                .header("Idempotency-Key", idempotencyKey)
                .POST(HttpRequest.BodyPublishers.ofByteArray(edxml)));
    }

    public Answer outboxStatus(String id) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(api.resolve("/api/v1/outbox/" + id)).GET());
    }

    public Answer evidence(String id, String recipient) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(api.resolve("/api/v1/outbox/" + id + "/evidence?recipient=" + recipient)).GET());
    }

    /** Ids of the unacknowledged messages, waiting up to {@code waitSeconds} for one to arrive. */
    public List<String> inbox(int waitSeconds) throws IOException, InterruptedException {
        Answer answer = send(HttpRequest.newBuilder(api.resolve("/api/v1/inbox?wait=" + waitSeconds))
                .timeout(Duration.ofSeconds(waitSeconds + 30)).GET());
        if (answer.status() != 200) {
            throw new IOException("inbox answered " + answer.status() + ": " + answer.text());
        }
        List<String> ids = new ArrayList<>();
        answer.json().path("messages").forEach(m -> ids.add(m.path("id").asText()));
        return ids;
    }

    public Answer fetch(String id) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(api.resolve("/api/v1/inbox/" + id)).GET());
    }

    public Answer acknowledge(String id) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(api.resolve("/api/v1/inbox/" + id + "/ack"))
                .POST(HttpRequest.BodyPublishers.noBody()));
    }

    private Answer send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Answer(response.statusCode(),
                response.headers().firstValue("Content-Type").orElse(""), response.body(), response.headers());
    }

    @Override
    public void close() {
        http.close();
    }
}
