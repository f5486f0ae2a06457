package vn.lienthong.hsm.cms;

/**
 * The signature is intact but the signer's certificate was not valid (expired or not yet valid)
 * at the signing time the signature claims: a different fault from a forged signature.
 */
public class SignerCertificateNotValidException extends SignatureRejectedException {
    public SignerCertificateNotValidException(String message, Throwable cause) {
        super(message, cause);
    }
}
