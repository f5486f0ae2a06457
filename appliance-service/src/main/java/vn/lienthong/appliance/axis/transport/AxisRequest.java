package vn.lienthong.appliance.axis.transport;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One HTTP request received on the axis listener, with its whole body and the client's TLS certificate chain as
 * the handshake verified it (leaf first).
 *
 * @param method the HTTP method, upper case
 * @param path the path of the request target, without its query
 * @param headers header names in lower case; repeated headers joined with ", "
 * @param body the request body (empty if none)
 * @param peerChain the verified client chain, leaf first
 */
public record AxisRequest(String method, String path, Map<String, String> headers, byte[] body,
        List<X509Certificate> peerChain) {

    public AxisRequest {
        headers = Map.copyOf(headers);
        peerChain = List.copyOf(peerChain);
    }

    /** A header's value by its name in any case. */
    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
    }

    /** The client's leaf certificate. */
    public X509Certificate peerCertificate() {
        return peerChain.getFirst();
    }
}
