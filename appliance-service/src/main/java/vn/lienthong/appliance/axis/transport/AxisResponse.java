package vn.lienthong.appliance.axis.transport;

import java.util.Map;

/**
 * The answer to an {@link AxisRequest}: status, content type and body, plus any further headers (a
 * {@code content-type} or {@code content-length} among them is ignored: the server sets those).
 */
public record AxisResponse(int status, String contentType, byte[] body, Map<String, String> headers) {

    public AxisResponse {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("an HTTP status must be between 100 and 599, not " + status);
        }
        body = body == null ? new byte[0] : body;
        headers = Map.copyOf(headers);
    }

    /** A response with no further headers. */
    public static AxisResponse of(int status, String contentType, byte[] body) {
        return new AxisResponse(status, contentType, body, Map.of());
    }
}
