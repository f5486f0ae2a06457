package vn.lienthong.appliance.tls;

/**
 * Which TLS implementation a Netty listener runs. BoringSSL (netty-tcnative) is the default: in the
 * perf-bench comparison (perf-bench/README.md, "TLS") it makes more full handshakes and keep-alive
 * requests per second than the JDK's TLS on the same key; the JDK engine needs no native library.
 */
public enum TlsEngine {
    /** BoringSSL through netty-tcnative; the handshake's signature is made in the HSM asynchronously. */
    BORINGSSL,
    /** The JDK's own TLS (JSSE); the handshake's signature is made in the HSM through the token's provider. */
    JDK
}
