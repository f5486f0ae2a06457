package vn.lienthong.appliance.keys;

import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.function.Consumer;
import vn.lienthong.hsm.token.TokenKey;

/**
 * Run periodically: reads the token's keys and chains again (so certificates the operator imported
 * with the CLI are used) and, when the appliance's TLS certificate has changed, hands the renewed
 * identity to the listeners so that they present it from their next connection on.
 */
public final class TlsIdentityWatch implements Runnable {

    private static final System.Logger LOG = System.getLogger(TlsIdentityWatch.class.getName());

    private final ApplianceKeys keys;
    private final Consumer<TokenKey> renewed;
    private X509Certificate presented;

    public TlsIdentityWatch(ApplianceKeys keys, X509Certificate presented, Consumer<TokenKey> renewed) {
        this.keys = keys;
        this.presented = presented;
        this.renewed = renewed;
    }

    @Override
    public void run() {
        try {
            keys.reload();
            TokenKey current = keys.tlsKey();
            if (!Objects.equals(current.certificate(), presented)) {
                renewed.accept(current);
                presented = current.certificate();
                LOG.log(System.Logger.Level.INFO, "TLS certificate renewed: now presenting "
                        + presented.getSubjectX500Principal().getName() + ", valid until " + presented.getNotAfter());
            }
        } catch (RuntimeException e) {
            // Keep presenting the current certificate; the next run tries again.
            LOG.log(System.Logger.Level.WARNING, "cannot check the TLS certificate for renewal: " + e.getMessage());
        }
    }
}
