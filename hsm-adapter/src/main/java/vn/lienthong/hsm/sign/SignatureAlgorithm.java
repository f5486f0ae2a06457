package vn.lienthong.hsm.sign;

/** The signature schemes the appliance uses, with their JCA names and parameters. */
public enum SignatureAlgorithm {
    SHA256_WITH_RSA,
    /** RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt (RFC 8017 §8.1). */
    RSASSA_PSS,
    SHA256_WITH_ECDSA
}
