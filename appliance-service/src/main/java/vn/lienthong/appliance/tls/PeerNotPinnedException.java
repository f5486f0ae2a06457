package vn.lienthong.appliance.tls;

import java.security.cert.CertificateException;

/** A client certificate that chains to an anchor but is not pinned for this listener (the axis: in the directory). */
public final class PeerNotPinnedException extends CertificateException
        implements TlsHandshakeListener.AdmissionRefusal {

    public PeerNotPinnedException(String message) {
        super(message);
    }

    @Override
    public String outcome() {
        return "unpinned";
    }
}
