package vn.lienthong.provisioning.registry;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import vn.lienthong.hsm.token.BulkKeys;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.storage.audit.AuditEvent;
import vn.lienthong.storage.audit.AuditLog;

/**
 * Renames rollover keys from the alias form sign-ORGAN.N, which versions before issue 14 wrote and
 * which is also the base alias of organ ORGAN.N, to sign-ORGAN_N: in the token (the key and its
 * certificate) and in the tenant's record, each rename audited. Run when the service starts and when
 * the CLI opens the registry; a registry with no such alias costs one read of the tenants, so it runs
 * at most once in effect, and a run cut short is finished by the next.
 */
public final class KeyAliasMigration {

    /** The audit action of one renamed alias. */
    public static final String ACTION = "key.alias-migrated";

    private KeyAliasMigration() {
    }

    /**
     * Migrates every tenant whose key alias or next key alias has the old form.
     *
     * @param tokenOf the token that holds an organ's keys, opened only for a tenant that needs it
     * @return one line per alias renamed; empty when there was nothing to do
     */
    public static List<String> migrate(ApplianceRegistry registry, Function<String, Token> tokenOf, AuditLog audit,
                                       String actor, Clock clock) {
        List<String> done = new ArrayList<>();
        for (Tenant tenant : registry.tenants()) {
            if (!tenant.hasLegacyAlias()) {
                continue;
            }
            Token token = tokenOf.apply(tenant.organId());
            List<String> legacy = new ArrayList<>(List.of(tenant.keyAlias()));
            if (tenant.nextKeyAlias() != null) {
                legacy.add(tenant.nextKeyAlias());
            }
            for (String alias : legacy) {
                String migrated = tenant.migratedAlias(alias);
                if (migrated.equals(alias)) {
                    continue;
                }
                String outcome = leftToTheOrganOfThatName(registry, token, alias, tenant.organId())
                        ? "left to organ " + alias.substring(Tenant.keyAliasOf("").length())
                                + ", whose key it may be; generate the next key of " + tenant.organId() + " again"
                        : BulkKeys.rename(token, alias, migrated) + " token objects renamed";
                String line = "tenant=" + tenant.organId() + " alias=" + alias + " -> " + migrated + ": " + outcome;
                audit.append(new AuditEvent(clock.instant(), actor, ACTION, line));
                done.add(line);
            }
            registry.putTenant(tenant.withMigratedAliases());
        }
        return done;
    }

    /**
     * Whether the key under the old alias sign-X.N is to stay with organ X.N, a tenant too: the collision
     * the new form removes may already have happened, and then the key is the migrating tenant's only if
     * its certificate's CN names that tenant (a placeholder names neither).
     */
    private static boolean leftToTheOrganOfThatName(ApplianceRegistry registry, Token token, String alias,
                                                    String tenant) {
        String organ = alias.substring(Tenant.keyAliasOf("").length());
        if (registry.tenant(organ).isEmpty()) {
            return false;
        }
        X509Certificate certificate = BulkKeys.certificates(token).get(alias);
        if (certificate == null) {
            return true;
        }
        for (RDN cn : X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()).getRDNs(BCStyle.CN)) {
            if (tenant.equals(IETFUtils.valueToString(cn.getFirst().getValue()))) {
                return false;
            }
        }
        return true;
    }
}
