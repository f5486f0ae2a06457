package vn.lienthong.hsm.trust;

/** A certificate its issuer has revoked, according to a CRL the appliance holds. */
public class CertificateRevokedException extends CertificateRejectedException {
    public CertificateRevokedException(String message) {
        super(message);
    }
}
