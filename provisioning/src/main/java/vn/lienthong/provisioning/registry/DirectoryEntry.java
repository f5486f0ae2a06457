package vn.lienthong.provisioning.registry;

import java.net.URI;

/**
 * Where to deliver to an organ: its appliance's axis endpoint ({@code https://host:port}) and the
 * SHA-256 pin (lower-case hex, of the DER) of that appliance's TLS certificate.
 */
public record DirectoryEntry(String organId, URI axisEndpoint, String tlsCertificateSha256) {

    public DirectoryEntry {
        OrganIds.requireValid(organId);
        requireHttpsWithHostAndPort(organId, axisEndpoint);
        tlsCertificateSha256 = Fingerprints.requireSha256Hex(tlsCertificateSha256,
                "the TLS certificate pin of " + organId);
    }

    private static void requireHttpsWithHostAndPort(String organId, URI endpoint) {
        if (endpoint == null || !endpoint.isAbsolute() || endpoint.isOpaque()
                || !"https".equalsIgnoreCase(endpoint.getScheme())
                || endpoint.getHost() == null || endpoint.getPort() < 1 || endpoint.getPort() > 65535
                || endpoint.getRawUserInfo() != null || endpoint.getRawQuery() != null
                || endpoint.getRawFragment() != null) {
            throw new IllegalArgumentException("the axis endpoint of " + organId
                    + " must be an https URI with a host and a port (e.g. https://axis.example.gov.vn:5500)");
        }
    }
}
