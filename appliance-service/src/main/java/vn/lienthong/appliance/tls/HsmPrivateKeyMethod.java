package vn.lienthong.appliance.tls;

import io.netty.handler.ssl.OpenSslAsyncPrivateKeyMethod;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.SSLEngine;

/**
 * BoringSSL's private key operations for a handshake, done in the HSM: each signature runs on one of the
 * {@link HandshakeSigners}' platform threads, because a PKCS#11 call may block and neither Netty's event loop nor a
 * virtual thread's carrier may; a handshake that gets no signer in time fails. Only signing is offered: the
 * policy's suites all use ECDHE, so there is no RSA key exchange to decrypt.
 */
final class HsmPrivateKeyMethod implements OpenSslAsyncPrivateKeyMethod {

    /** A JCA signature algorithm with its parameters, for one of BoringSSL's SSL_SIGN_* schemes. */
    record JcaScheme(String algorithm, AlgorithmParameterSpec parameters) {
    }

    private final PrivateKey key;
    private final Provider provider;
    private final HandshakeSigners signers;

    /** @param provider the token's provider, or null to let the JCA find the provider that takes the key */
    HsmPrivateKeyMethod(PrivateKey key, Provider provider, HandshakeSigners signers) {
        this.key = Objects.requireNonNull(key, "key");
        this.provider = provider;
        this.signers = Objects.requireNonNull(signers, "signers");
    }

    @Override
    public Future<byte[]> sign(SSLEngine engine, int signatureAlgorithm, byte[] input) {
        Promise<byte[]> result = ImmediateEventExecutor.INSTANCE.newPromise();
        signers.submit(() -> sign(key, provider, signatureAlgorithm, input)).whenComplete((signature, failure) -> {
            if (failure == null) {
                result.setSuccess(signature);
            } else {
                if (failure instanceof TlsHandshakeListener.AdmissionRefusal && engine != null
                        && engine.getHandshakeSession() != null) {
                    // BoringSSL reports only "private key operation failed"; leave the reason for the listener.
                    engine.getHandshakeSession().putValue(TlsHandshakeListener.REFUSAL_SESSION_KEY, failure);
                }
                result.setFailure(failure);
            }
        });
        return result;
    }

    @Override
    public Future<byte[]> decrypt(SSLEngine engine, byte[] input) {
        return ImmediateEventExecutor.INSTANCE.newFailedFuture(new UnsupportedOperationException(
                "RSA key exchange is not allowed by the TLS policy, so the HSM key decrypts nothing"));
    }

    /** Signs the handshake bytes (BoringSSL passes the message, not its digest) with the token key. */
    static byte[] sign(PrivateKey key, Provider provider, int signatureAlgorithm, byte[] input)
            throws GeneralSecurityException {
        JcaScheme scheme = scheme(signatureAlgorithm);
        Signature signature = provider != null
                ? Signature.getInstance(scheme.algorithm(), provider)
                : Signature.getInstance(scheme.algorithm());
        // initSign before setParameter: without a named provider, the JCA then picks the one that takes this
        // key rather than the first that knows the algorithm's name.
        signature.initSign(key);
        if (scheme.parameters() != null) {
            signature.setParameter(scheme.parameters());
        }
        signature.update(input);
        return signature.sign();
    }

    /** The JCA form of a TLS signature scheme (RFC 8446 §4.2.3); SHA-1 and MD5 schemes are refused. */
    static JcaScheme scheme(int signatureAlgorithm) throws SignatureException {
        JcaScheme scheme = SCHEMES.get(signatureAlgorithm);
        if (scheme == null) {
            throw new SignatureException("the peer asked for TLS signature scheme 0x"
                    + Integer.toHexString(signatureAlgorithm) + ", which the appliance does not sign with");
        }
        return scheme;
    }

    // BoringSSL's SSL_SIGN_* values are read from the native library, so they are no compile-time constants.
    private static final Map<Integer, JcaScheme> SCHEMES = Map.of(
            SSL_SIGN_RSA_PKCS1_SHA256, new JcaScheme("SHA256withRSA", null),
            SSL_SIGN_RSA_PKCS1_SHA384, new JcaScheme("SHA384withRSA", null),
            SSL_SIGN_RSA_PKCS1_SHA512, new JcaScheme("SHA512withRSA", null),
            SSL_SIGN_RSA_PSS_RSAE_SHA256, new JcaScheme("RSASSA-PSS", pss("SHA-256", MGF1ParameterSpec.SHA256, 32)),
            SSL_SIGN_RSA_PSS_RSAE_SHA384, new JcaScheme("RSASSA-PSS", pss("SHA-384", MGF1ParameterSpec.SHA384, 48)),
            SSL_SIGN_RSA_PSS_RSAE_SHA512, new JcaScheme("RSASSA-PSS", pss("SHA-512", MGF1ParameterSpec.SHA512, 64)),
            SSL_SIGN_ECDSA_SECP256R1_SHA256, new JcaScheme("SHA256withECDSA", null),
            SSL_SIGN_ECDSA_SECP384R1_SHA384, new JcaScheme("SHA384withECDSA", null),
            SSL_SIGN_ECDSA_SECP521R1_SHA512, new JcaScheme("SHA512withECDSA", null));

    // RSASSA-PSS as TLS uses it: MGF1 with the same hash, salt as long as the hash (RFC 8446 §4.2.3).
    private static PSSParameterSpec pss(String digest, MGF1ParameterSpec mgf, int saltLength) {
        return new PSSParameterSpec(digest, "MGF1", mgf, saltLength, PSSParameterSpec.TRAILER_FIELD_BC);
    }
}
