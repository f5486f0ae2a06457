package vn.lienthong.appliance.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An error answer in the form of RFC 9457 (problem details, {@code application/problem+json}).
 * {@code type} is a URN naming the problem, stable for clients and metrics; {@code detail} is one
 * sentence for a person.
 */
public record Problem(String type, String title, int status, String detail) {

    public static final String MEDIA_TYPE = "application/problem+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A problem whose type is {@code urn:lienthong:problem:<slug>}. */
    public static Problem of(int status, String slug, String title, String detail) {
        return new Problem("urn:lienthong:problem:" + slug, title, status, detail);
    }

    /** The last part of the type, used as the metric's reason label. */
    public String slug() {
        return type.substring(type.lastIndexOf(':') + 1);
    }

    public byte[] toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("type", type);
        node.put("title", title);
        node.put("status", status);
        node.put("detail", detail);
        return node.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
