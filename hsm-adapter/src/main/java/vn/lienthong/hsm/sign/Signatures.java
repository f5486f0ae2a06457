package vn.lienthong.hsm.sign;

import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.ProviderException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.AlgorithmParameterSpec;
import java.util.Optional;
import vn.lienthong.hsm.HsmException;
import vn.lienthong.hsm.token.TokenKey;

/** Raw signatures: made in the token with its provider, verified in software. */
public final class Signatures {
    private Signatures() {
    }

    /** Signs the data in the token that holds the key; HsmException with the reason when it cannot. */
    public static byte[] sign(TokenKey key, SignatureAlgorithm algorithm, byte[] data) {
        requireKeyFits("the key '" + key.alias() + "'", key.publicKey(), algorithm);
        try {
            Signature signature = key.provider() != null
                    ? Signature.getInstance(algorithm.jcaName(), key.provider())
                    : Signature.getInstance(algorithm.jcaName());
            Optional<AlgorithmParameterSpec> parameters = algorithm.parameters();
            if (parameters.isPresent()) {
                signature.setParameter(parameters.get());
            }
            signature.initSign(key.privateKey());
            signature.update(data);
            return signature.sign();
        } catch (NoSuchAlgorithmException e) {
            throw new HsmException(providerName(key) + " cannot make " + algorithm.jcaName() + " signatures", e);
        } catch (GeneralSecurityException | ProviderException e) {
            throw new HsmException("the token refused to sign with key '" + key.alias() + "' ("
                    + algorithm.jcaName() + "): " + HsmException.rootMessage(e), e);
        }
    }

    /**
     * True when the signature is the algorithm's signature of the data under the public key;
     * false for any other signature, including a malformed one.
     */
    public static boolean verify(PublicKey key, SignatureAlgorithm algorithm, byte[] data, byte[] signature) {
        requireKeyFits("the public key", key, algorithm);
        try {
            Signature verifier = Signature.getInstance(algorithm.jcaName());
            Optional<AlgorithmParameterSpec> parameters = algorithm.parameters();
            if (parameters.isPresent()) {
                verifier.setParameter(parameters.get());
            }
            verifier.initVerify(key);
            verifier.update(data);
            return verifier.verify(signature);
        } catch (SignatureException e) {
            // A signature that cannot even be decoded is simply not a valid signature.
            return false;
        } catch (NoSuchAlgorithmException | InvalidAlgorithmParameterException | InvalidKeyException e) {
            throw new HsmException("cannot verify " + algorithm.jcaName() + " signatures with a "
                    + key.getAlgorithm() + " key: " + e.getMessage(), e);
        }
    }

    private static void requireKeyFits(String whichKey, PublicKey key, SignatureAlgorithm algorithm) {
        if (!algorithm.keyAlgorithm().equals(key.getAlgorithm())) {
            throw new HsmException(whichKey + " is " + key.getAlgorithm() + " and cannot make or check "
                    + algorithm.jcaName() + " signatures");
        }
    }

    private static String providerName(TokenKey key) {
        return key.provider() != null ? key.provider().getName() : "the JDK";
    }

}
