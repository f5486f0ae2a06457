package vn.lienthong.appliance.tls;

import java.security.SignatureException;

/** No HSM signer was free for a handshake within the wait allowed: the handshake is dropped. */
public final class SignerBusyException extends SignatureException
        implements TlsHandshakeListener.AdmissionRefusal {

    public SignerBusyException(String message) {
        super(message);
    }

    @Override
    public String outcome() {
        return "signer-busy";
    }
}
