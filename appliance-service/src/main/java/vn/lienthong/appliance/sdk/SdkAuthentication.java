package vn.lienthong.appliance.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import vn.lienthong.appliance.api.Problem;
import vn.lienthong.appliance.api.ProblemException;
import vn.lienthong.appliance.edxml.EdxmlTrace;
import vn.lienthong.provisioning.registry.Tenant;

/**
 * Checks the SDK's header scheme on top of the client certificate: {@code systemid} and
 * {@code timestamp} (also as {@code XroadVnpt-systemid}, {@code XroadVnpt-timestamp}),
 * {@code XroadVnpt-sign-header} (JSON of those two), {@code XroadVnpt-hash-header} (hex HMAC-SHA256
 * of that JSON with the tenant's secret). Both are required and must agree: the systemid must be
 * the organ id of the tenant whose certificate the client presented. A timestamp more than five
 * minutes off, or a signature seen before within that window, is refused.
 */
final class SdkAuthentication {

    static final Duration WINDOW = Duration.ofMinutes(5);
    /** The SDK's timestamp, e.g. 15032024T100000+0123 (the last four digits are milliseconds), Vietnam time. */
    static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("ddMMuuuu'T'HHmmss'+'SSSS");
    private static final int MAX_REMEMBERED = 200_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Function<String, Optional<byte[]>> secrets;
    private final Clock clock;
    private final Map<String, Instant> seen = new ConcurrentHashMap<>();

    SdkAuthentication(Function<String, Optional<byte[]>> secrets, Clock clock) {
        this.secrets = secrets;
        this.clock = clock;
    }

    void verify(ServerRequest req, Tenant tenant) {
        String systemId = header(req, "systemid");
        String timestamp = header(req, "timestamp");
        String signHeader = header(req, "XroadVnpt-sign-header");
        String hash = header(req, "XroadVnpt-hash-header");
        if (systemId == null || timestamp == null || signHeader == null || hash == null) {
            throw refused(401, "sdk-auth-missing", "the SDK API needs the systemid, timestamp, XroadVnpt-sign-header"
                    + " and XroadVnpt-hash-header headers");
        }
        if (!systemId.equals(tenant.organId())) {
            throw refused(403, "sdk-systemid-mismatch", "systemid " + shorten(systemId)
                    + " is not the tenant of this client certificate (" + tenant.organId() + ")");
        }
        try {
            JsonNode signed = JSON.readTree(signHeader);
            if (!systemId.equals(signed.path("systemid").asText(null)) || !timestamp.equals(signed.path("timestamp").asText(null))) {
                throw refused(401, "sdk-bad-signature", "XroadVnpt-sign-header does not hold the request's systemid and timestamp");
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw refused(401, "sdk-bad-signature", "XroadVnpt-sign-header is not JSON");
        }
        byte[] secret = secrets.apply(tenant.organId()).orElseThrow(() -> refused(403, "sdk-no-secret",
                "no SDK secret was issued for " + tenant.organId() + "; the operator issues one with"
                        + " 'provision tenant sdk-secret " + tenant.organId() + "'"));
        byte[] expected = hmac(secret, signHeader);
        byte[] given;
        try {
            given = HexFormat.of().parseHex(hash.toLowerCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            given = new byte[0];
        }
        if (!MessageDigest.isEqual(expected, given)) {
            throw refused(401, "sdk-bad-signature", "XroadVnpt-hash-header is not the HMAC-SHA256 of"
                    + " XroadVnpt-sign-header with this tenant's secret");
        }
        Instant now = clock.instant();
        Instant at;
        try {
            at = LocalDateTime.parse(timestamp, TIMESTAMP).atZone(EdxmlTrace.VIETNAM).toInstant();
        } catch (DateTimeParseException e) {
            throw refused(401, "sdk-stale-timestamp", "timestamp " + shorten(timestamp)
                    + " is not in the form ddMMyyyyTHHmmss+SSSS");
        }
        if (Duration.between(at, now).abs().compareTo(WINDOW) > 0) {
            throw refused(401, "sdk-stale-timestamp", "timestamp " + timestamp + " is more than "
                    + WINDOW.toMinutes() + " minutes from the appliance's clock");
        }
        // Only authentic requests are remembered, so strangers cannot fill this map.
        if (seen.size() >= MAX_REMEMBERED) {
            seen.values().removeIf(t -> t.isBefore(now.minus(WINDOW.multipliedBy(2))));
        }
        if (seen.putIfAbsent(tenant.organId() + "/" + hash.toLowerCase(java.util.Locale.ROOT), at) != null) {
            throw refused(401, "sdk-replayed", "these headers were used before; sign each request with a new timestamp");
        }
    }

    static byte[] hmac(byte[] secret, String signHeader) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(signHeader.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from the JDK", e);
        }
    }

    private static String header(ServerRequest req, String name) {
        return req.headers().first(HeaderNames.create(name))
                .or(() -> req.headers().first(HeaderNames.create("XroadVnpt-" + name)))
                .orElse(null);
    }

    private static String shorten(String value) {
        String line = value.replaceAll("\\p{Cntrl}", " ");
        return "'" + (line.length() > 40 ? line.substring(0, 40) + "…" : line) + "'";
    }

    private static ProblemException refused(int status, String slug, String detail) {
        return new ProblemException(Problem.of(status, slug, "SDK authentication failed", detail));
    }
}
