package vn.lienthong.appliance.keys;

import java.util.function.Consumer;
import java.util.function.Supplier;
import vn.lienthong.hsm.token.TokenKey;

/**
 * Run periodically: reads the token's keys and chains again (so certificates the operator imported
 * with the CLI are used) and, when the appliance's TLS identity has changed, hands it to the
 * listeners so that they present it from their next connection on. The identity changes with a
 * renewed certificate, and also when the token was reopened after a fault: the same certificate
 * then comes from a new provider, and the old provider's key handle died with its session.
 */
public final class TlsIdentityWatch implements Runnable {

    private static final System.Logger LOG = System.getLogger(TlsIdentityWatch.class.getName());

    private final Runnable reload;
    private final Supplier<TokenKey> tlsKey;
    private final Consumer<TokenKey> renewed;
    private TokenKey presented;

    /** Watches the appliance's TLS key in its keys' token. */
    public TlsIdentityWatch(ApplianceKeys keys, TokenKey presented, Consumer<TokenKey> renewed) {
        this(keys::reload, keys::tlsKey, presented, renewed);
    }

    /**
     * @param reload    reads the token's keys again
     * @param tlsKey    the TLS key as the token holds it now
     * @param presented the key the listeners present now
     * @param renewed   told each new key to present
     */
    public TlsIdentityWatch(Runnable reload, Supplier<TokenKey> tlsKey, TokenKey presented,
                            Consumer<TokenKey> renewed) {
        this.reload = reload;
        this.tlsKey = tlsKey;
        this.presented = presented;
        this.renewed = renewed;
    }

    @Override
    public void run() {
        try {
            reload.run();
            TokenKey current = tlsKey.get();
            boolean newCertificate = !current.certificate().equals(presented.certificate());
            // A reopened token is a new provider, whose key handle replaces the dead one.
            if (newCertificate || current.provider() != presented.provider()) {
                renewed.accept(current);
                presented = current;
                LOG.log(System.Logger.Level.INFO, newCertificate
                        ? "TLS certificate renewed: now presenting " + current.certificate().getSubjectX500Principal()
                                .getName() + ", valid until " + current.certificate().getNotAfter()
                        : "TLS key taken again from the reopened HSM token");
            }
        } catch (RuntimeException e) {
            // Keep presenting the current identity; the next run tries again.
            LOG.log(System.Logger.Level.WARNING, "cannot check the TLS identity for renewal: " + e.getMessage());
        }
    }
}
