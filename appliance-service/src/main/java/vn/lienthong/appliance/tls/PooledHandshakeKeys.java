package vn.lienthong.appliance.tls;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.InvalidKeyException;
import java.security.InvalidParameterException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.Signature;
import java.security.SignatureException;
import java.security.SignatureSpi;
import java.security.interfaces.ECKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.ECParameterSpec;
import java.util.List;
import java.util.Map;
import vn.lienthong.hsm.token.TokenKey;

/**
 * Lets JSSE (the Helidon listeners) sign its handshakes through the {@link HandshakeSigners} pool: the key
 * manager hands JSSE a stand-in for the token key, and a small JCA provider, the only one that takes such a
 * stand-in, makes each signature on a pool thread with the token's own provider while the handshake's (virtual)
 * thread waits unpinned.
 */
final class PooledHandshakeKeys {

    private static final String PROVIDER_NAME = "LienthongHandshakeSigners";
    private static final List<String> ALGORITHMS = List.of("SHA256withECDSA", "SHA384withECDSA", "SHA512withECDSA",
            "SHA256withRSA", "SHA384withRSA", "SHA512withRSA", "RSASSA-PSS");

    private PooledHandshakeKeys() {
    }

    /** A stand-in for the token key that JSSE may hold; signing with it goes through {@code signers}. */
    static PrivateKey standIn(TokenKey key, HandshakeSigners signers) {
        install();
        PublicKey publicKey = key.certificate().getPublicKey();
        if (publicKey instanceof ECPublicKey ec) {
            return new EcStandIn(key, signers, ec.getParams());
        }
        if (publicKey instanceof RSAPublicKey rsa) {
            return new RsaStandIn(key, signers, rsa.getModulus());
        }
        return key.privateKey();
    }

    private static synchronized void install() {
        if (Security.getProvider(PROVIDER_NAME) == null) {
            Security.addProvider(new SignersProvider());
        }
    }

    /** What the provider's signatures need of a stand-in. */
    interface StandIn extends PrivateKey {
        TokenKey tokenKey();

        HandshakeSigners signers();
    }

    private record EcStandIn(TokenKey tokenKey, HandshakeSigners signers, ECParameterSpec params)
            implements StandIn, ECKey {
        @Override
        public ECParameterSpec getParams() {
            return params;
        }

        @Override
        public String getAlgorithm() {
            return "EC";
        }

        @Override
        public String getFormat() {
            return null;
        }

        @Override
        public byte[] getEncoded() {
            return null;
        }
    }

    private record RsaStandIn(TokenKey tokenKey, HandshakeSigners signers, BigInteger modulus)
            implements StandIn, RSAKey {
        @Override
        public BigInteger getModulus() {
            return modulus;
        }

        @Override
        public AlgorithmParameterSpec getParams() {
            return null;
        }

        @Override
        public String getAlgorithm() {
            return "RSA";
        }

        @Override
        public String getFormat() {
            return null;
        }

        @Override
        public byte[] getEncoded() {
            return null;
        }
    }

    private static final class SignersProvider extends Provider {
        SignersProvider() {
            super(PROVIDER_NAME, "1.0", "TLS handshake signatures on the HSM signer pool (stand-in keys only)");
            for (String algorithm : ALGORITHMS) {
                putService(new Service(this, "Signature", algorithm, PoolSignature.class.getName(), null,
                        Map.of("SupportedKeyClasses", StandIn.class.getName())) {
                    @Override
                    public Object newInstance(Object constructorParameter) {
                        return new PoolSignature(algorithm);
                    }
                });
            }
        }
    }

    /** Collects what is to be signed and has a pool thread sign it with the token key. */
    private static final class PoolSignature extends SignatureSpi {
        private final String algorithm;
        private final ByteArrayOutputStream data = new ByteArrayOutputStream();
        private StandIn key;
        private AlgorithmParameterSpec parameters;

        PoolSignature(String algorithm) {
            this.algorithm = algorithm;
        }

        @Override
        protected void engineInitVerify(PublicKey publicKey) throws InvalidKeyException {
            throw new InvalidKeyException("this provider only signs handshakes with stand-in keys");
        }

        @Override
        protected void engineInitSign(PrivateKey privateKey) throws InvalidKeyException {
            if (!(privateKey instanceof StandIn standIn)) {
                throw new InvalidKeyException("this provider only signs with stand-in keys");
            }
            key = standIn;
            data.reset();
        }

        @Override
        protected void engineSetParameter(AlgorithmParameterSpec params) {
            parameters = params;
        }

        @Override
        protected void engineUpdate(byte b) {
            data.write(b);
        }

        @Override
        protected void engineUpdate(byte[] b, int off, int len) {
            data.write(b, off, len);
        }

        @Override
        protected byte[] engineSign() throws SignatureException {
            byte[] input = data.toByteArray();
            data.reset();
            TokenKey tokenKey = key.tokenKey();
            AlgorithmParameterSpec params = parameters;
            try {
                return key.signers().sign(() -> {
                    Signature signature = tokenKey.provider() != null
                            ? Signature.getInstance(algorithm, tokenKey.provider())
                            : Signature.getInstance(algorithm);
                    signature.initSign(tokenKey.privateKey());
                    if (params != null) {
                        signature.setParameter(params);
                    }
                    signature.update(input);
                    return signature.sign();
                });
            } catch (SignatureException e) {
                throw e;
            } catch (java.security.GeneralSecurityException e) {
                throw new SignatureException(e.getMessage(), e);
            }
        }

        @Override
        protected boolean engineVerify(byte[] sigBytes) throws SignatureException {
            throw new SignatureException("this provider does not verify");
        }

        @Override
        protected AlgorithmParameters engineGetParameters() {
            return null;
        }

        @Override
        @Deprecated
        protected void engineSetParameter(String param, Object value) {
            throw new InvalidParameterException("no such parameter: " + param);
        }

        @Override
        @Deprecated
        protected Object engineGetParameter(String param) {
            throw new InvalidParameterException("no such parameter: " + param);
        }
    }
}
