package vn.lienthong.provisioning.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An organ hosted on this appliance: its organ id, display name, the alias of its signing key in
 * the HSM ({@code "sign-" + organId}), the SHA-256 fingerprints (lower-case hex, of the DER) of
 * the document-system client certificates that act as this tenant on the local API, its status
 * and its quota. The service reads it at every request, so a change takes effect without a restart.
 */
public record Tenant(String organId, String name, String keyAlias, List<String> dmsCertificateSha256,
                     TenantStatus status, TenantQuota quota) {

    /** The longest name an organizationName may carry (X.520 ub-organization-name, RFC 5280 Appendix A). */
    public static final int MAX_NAME_LENGTH = 64;

    public Tenant {
        OrganIds.requireValid(organId);
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("tenant " + organId + " needs a name");
        }
        name = name.strip();
        // The name becomes the O attribute of the tenant's certificate request: X.520 bounds it at
        // 64 characters, and a control character would corrupt listings and subjects.
        if (name.length() > MAX_NAME_LENGTH || name.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("the name of tenant " + organId + " must be at most "
                    + MAX_NAME_LENGTH + " characters without control characters");
        }
        if (!keyAliasOf(organId).equals(keyAlias)) {
            throw new IllegalArgumentException("the key alias of tenant " + organId + " must be " + keyAliasOf(organId));
        }
        List<String> pins = new ArrayList<>();
        for (String pin : Objects.requireNonNullElse(dmsCertificateSha256, List.<String>of())) {
            String normalised = Fingerprints.requireSha256Hex(pin, "a DMS certificate fingerprint");
            if (!pins.contains(normalised)) {
                pins.add(normalised);
            }
        }
        dmsCertificateSha256 = List.copyOf(pins);
        // Records written before status and quota existed read as active and unlimited.
        status = Objects.requireNonNullElse(status, TenantStatus.ACTIVE);
        quota = Objects.requireNonNullElse(quota, TenantQuota.NONE);
        if (status == TenantStatus.REMOVED && !dmsCertificateSha256.isEmpty()) {
            throw new IllegalArgumentException("a removed tenant " + organId + " keeps no DMS certificate");
        }
    }

    /** An active tenant without limits. */
    public Tenant(String organId, String name, String keyAlias, List<String> dmsCertificateSha256) {
        this(organId, name, keyAlias, dmsCertificateSha256, TenantStatus.ACTIVE, TenantQuota.NONE);
    }

    /** A new tenant with its standard key alias and no DMS certificates yet. */
    public static Tenant of(String organId, String name) {
        return new Tenant(organId, name, keyAliasOf(organId), List.of());
    }

    /** The HSM alias of an organ's signing key. */
    public static String keyAliasOf(String organId) {
        return "sign-" + organId;
    }

    /** This tenant under another name. */
    public Tenant withName(String newName) {
        return new Tenant(organId, newName, keyAlias, dmsCertificateSha256, status, quota);
    }

    /** This tenant with one more DMS certificate fingerprint (no change if already bound). */
    public Tenant withDmsCertificate(String sha256) {
        List<String> pins = new ArrayList<>(dmsCertificateSha256);
        pins.add(sha256);
        return new Tenant(organId, name, keyAlias, pins, status, quota);
    }

    /** This tenant with another status; removing it also unbinds its DMS certificates. */
    public Tenant withStatus(TenantStatus newStatus) {
        return new Tenant(organId, name, keyAlias,
                newStatus == TenantStatus.REMOVED ? List.of() : dmsCertificateSha256, newStatus, quota);
    }

    /** This tenant with another quota. */
    public Tenant withQuota(TenantQuota newQuota) {
        return new Tenant(organId, name, keyAlias, dmsCertificateSha256, status, newQuota);
    }
}
