package vn.lienthong.appliance.tls;

import java.util.List;

/**
 * The appliance's one TLS policy, for every listener and client: TLS 1.3 and 1.2 only, forward-secret AEAD
 * suites only, spelled both as JSSE and as OpenSSL (Netty/BoringSSL) names.
 *
 * <p>Why these: TLS 1.3 suites are all AEAD (RFC 8446 §9.1); for TLS 1.2 only ECDHE key exchange with
 * AES-GCM or ChaCha20-Poly1305 remains (RFC 9325 §4.2), so no RSA key exchange and no CBC.
 */
public final class TlsPolicy {

    /** The protocol versions offered and accepted, newest first. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** TLS 1.3 suites; the names are the same in JSSE and OpenSSL. */
    public static final List<String> TLS13_CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256");

    /** Every allowed suite in JSSE (IANA) names, in order of preference. */
    public static final List<String> JSSE_CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /** The same suites, in the same order, in OpenSSL names as Netty's OpenSSL provider takes them. */
    public static final List<String> OPENSSL_CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            "ECDHE-ECDSA-AES256-GCM-SHA384",
            "ECDHE-ECDSA-CHACHA20-POLY1305",
            "ECDHE-RSA-AES128-GCM-SHA256",
            "ECDHE-RSA-AES256-GCM-SHA384",
            "ECDHE-RSA-CHACHA20-POLY1305");

    private TlsPolicy() {
    }

    /** Whether a negotiated protocol (as an SSLSession names it) is one this policy allows. */
    public static boolean allowsProtocol(String protocol) {
        return PROTOCOLS.contains(protocol);
    }

    /** Whether a negotiated suite, in JSSE or OpenSSL spelling, is one this policy allows. */
    public static boolean allowsCipherSuite(String suite) {
        return JSSE_CIPHER_SUITES.contains(suite) || OPENSSL_CIPHER_SUITES.contains(suite);
    }
}
