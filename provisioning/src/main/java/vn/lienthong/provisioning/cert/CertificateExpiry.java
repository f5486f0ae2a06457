package vn.lienthong.provisioning.cert;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import vn.lienthong.provisioning.registry.ApplianceRegistry;

/**
 * When a key's certificate expires and what that means for the operator: whose key it is (a
 * tenant's signing key or the appliance's TLS identity), how long is left, and whether it is time
 * to renew (30 days before the end, the readiness warning) or too late.
 */
public record CertificateExpiry(String alias, String tenant, String usage, X509Certificate certificate) {

    /** How long before the end the appliance warns. */
    public static final Duration WARNING = Duration.ofDays(30);
    /** The tenant label of the appliance's own keys. */
    public static final String APPLIANCE = "appliance";
    private static final String SIGNING_PREFIX = "sign-";

    /** What the appliance knows about the certificate of the key under {@code alias}. */
    public static CertificateExpiry of(String alias, X509Certificate certificate) {
        if (alias.startsWith(SIGNING_PREFIX)) {
            String organ = alias.substring(SIGNING_PREFIX.length());
            // A rollover's next key, sign-ORGAN_N, is the same tenant's.
            int generation = organ.indexOf(vn.lienthong.provisioning.registry.Tenant.GENERATION_SEPARATOR);
            return new CertificateExpiry(alias, generation < 0 ? organ : organ.substring(0, generation), "signing",
                    certificate);
        }
        return new CertificateExpiry(alias, APPLIANCE,
                ApplianceRegistry.TLS_KEY_ALIAS.equals(alias) ? "tls" : alias, certificate);
    }

    /** Time left until the certificate's notAfter (negative once expired). */
    public Duration remaining(Instant now) {
        return Duration.between(now, certificate.getNotAfter().toInstant());
    }

    /** A placeholder until the CA's certificate is imported (self-signed by the key itself). */
    public boolean placeholder() {
        return certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal());
    }

    /** {@code ok}, {@code expires-soon} (within {@link #WARNING}), {@code expired} or {@code no-certificate}. */
    public String state(Instant now) {
        if (placeholder()) {
            return "no-certificate";
        }
        Duration left = remaining(now);
        return left.isNegative() ? "expired" : left.compareTo(WARNING) <= 0 ? "expires-soon" : "ok";
    }

    /** The sentence of a readiness warning, or null when there is nothing to warn about. */
    public String warning(Instant now) {
        String state = state(now);
        String whose = tenant.equals(APPLIANCE) ? "the appliance's " + usage + " certificate"
                : "the " + usage + " certificate of tenant " + tenant;
        return switch (state) {
            case "expired" -> whose + " expired on " + certificate.getNotAfter().toInstant() + "; renew it now";
            case "expires-soon" -> whose + " expires in " + Math.max(0, remaining(now).toDays()) + " days ("
                    + certificate.getNotAfter().toInstant() + "); renew it";
            default -> null;
        };
    }
}
