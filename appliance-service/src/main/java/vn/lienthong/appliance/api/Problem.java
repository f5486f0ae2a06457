package vn.lienthong.appliance.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An error answer in the form of RFC 9457 (problem details, {@code application/problem+json}).
 * {@code type} is a URN naming the problem, stable for clients and metrics; {@code detail} is one
 * sentence for a person; {@code extensions} are RFC 9457 §3.2 extension members (e.g. the edXML
 * element and rule at fault).
 */
public record Problem(String type, String title, int status, String detail, Map<String, String> extensions) {

    public Problem {
        extensions = Map.copyOf(new LinkedHashMap<>(extensions));
    }

    public Problem(String type, String title, int status, String detail) {
        this(type, title, status, detail, Map.of());
    }

    /** The same problem with one more extension member; a null value adds nothing. */
    public Problem with(String name, String value) {
        if (value == null) {
            return this;
        }
        Map<String, String> more = new LinkedHashMap<>(extensions);
        more.put(name, value);
        return new Problem(type, title, status, detail, more);
    }

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
        new java.util.TreeMap<>(extensions).forEach(node::put);
        return node.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
