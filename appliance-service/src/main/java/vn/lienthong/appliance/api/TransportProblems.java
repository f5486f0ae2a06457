package vn.lienthong.appliance.api;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;

/**
 * The local API's answer to a request the web server refuses before any handler runs, such as a
 * body whose Content-Length is over the listener's limit: problem+json like every other refusal,
 * and the connection closed, since the body is never read.
 */
public final class TransportProblems implements DirectHandler {

    private final long maxBytes;

    public TransportProblems(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status status,
                                    ServerResponseHeaders responseHeaders, String message) {
        Problem problem = status.code() == 413
                ? Problem.of(413, "payload-too-large", "Payload too large",
                        "the body is larger than the limit of " + maxBytes + " bytes; it was not read")
                : Problem.of(status.code(), "bad-request", status.reasonPhrase(),
                        "the request is not one the local API can read as HTTP/1.1");
        return TransportResponse.builder()
                .status(status)
                .headers(responseHeaders)
                .header(HeaderNames.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .keepAlive(false)
                .entity(problem.toJson())
                .build();
    }
}
