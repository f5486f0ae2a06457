package vn.lienthong.hsm.sign;

import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Optional;

/** The signature schemes the appliance uses, with their JCA names and parameters. */
public enum SignatureAlgorithm {
    /** RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2). */
    SHA256_WITH_RSA("SHA256withRSA", "RSA"),
    /** RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt (RFC 8017 §8.1). */
    RSASSA_PSS("RSASSA-PSS", "RSA"),
    /** ECDSA with SHA-256, signature DER-encoded as in RFC 5480 §2.2 (how X.509 and CMS carry it). */
    SHA256_WITH_ECDSA("SHA256withECDSA", "EC");

    private final String jcaName;
    private final String keyAlgorithm;

    SignatureAlgorithm(String jcaName, String keyAlgorithm) {
        this.jcaName = jcaName;
        this.keyAlgorithm = keyAlgorithm;
    }

    /** The standard JCA name of the signature algorithm. */
    public String jcaName() {
        return jcaName;
    }

    /** The JCA key algorithm ("RSA" or "EC") of the keys that make this signature. */
    public String keyAlgorithm() {
        return keyAlgorithm;
    }

    /** The parameters the JCA {@code Signature} must be given, if any (only PSS has some). */
    public Optional<AlgorithmParameterSpec> parameters() {
        return this == RSASSA_PSS
                ? Optional.of(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32,
                        PSSParameterSpec.TRAILER_FIELD_BC))
                : Optional.empty();
    }
}
