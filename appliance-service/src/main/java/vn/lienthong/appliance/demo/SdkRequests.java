package vn.lienthong.appliance.demo;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import vn.lienthong.appliance.edxml.EdxmlTrace;

/**
 * What a document system using the Government Office's SDK sends: the signed systemid/timestamp
 * headers and a multipart form. For the demo and the tests; the appliance checks them in the
 * {@code sdk} package.
 */
public final class SdkRequests {

    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("ddMMuuuu'T'HHmmss'+'SSSS");

    private SdkRequests() {
    }

    /** The SDK's headers for one request at {@code now}, signed with the tenant's secret. */
    public static Map<String, String> headers(String systemId, String secret, Instant now) {
        String timestamp = TIMESTAMP.format(now.atZone(EdxmlTrace.VIETNAM));
        String signHeader = "{\"systemid\":\"" + systemId + "\",\"timestamp\":\"" + timestamp + "\"}";
        String hash;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
            hash = HexFormat.of().formatHex(mac.doFinal(signHeader.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("systemid", systemId);
        headers.put("timestamp", timestamp);
        headers.put("XroadVnpt-systemid", systemId);
        headers.put("XroadVnpt-timestamp", timestamp);
        headers.put("XroadVnpt-sign-header", signHeader);
        headers.put("XroadVnpt-hash-header", hash);
        headers.put("XroadVnpt-sign-header-key", "systemid;timestamp");
        return headers;
    }

    /** A multipart/form-data body with these parts (the edXML as {@code file_doc}). */
    public static byte[] form(String boundary, Map<String, byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach((name, value) -> {
            String filename = name.equals("file_doc") ? "; filename=\"edoc.edxml\"" : "";
            out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"" + filename
                    + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.writeBytes(value);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        });
        out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }
}
