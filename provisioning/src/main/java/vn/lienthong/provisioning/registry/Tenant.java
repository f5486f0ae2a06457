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
                     TenantStatus status, TenantQuota quota, String nextKeyAlias, String switchAt) {

    /** Between an organ's key alias and a rollover generation: organ ids hold letters, digits and dots only. */
    public static final String GENERATION_SEPARATOR = "_";

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
        if (generation(organId, keyAlias) < 1) {
            throw new IllegalArgumentException("the key alias of tenant " + organId + " must be " + keyAliasOf(organId)
                    + " (or " + keyAliasOf(organId) + GENERATION_SEPARATOR + "N after a key rollover)");
        }
        if (nextKeyAlias != null && generation(organId, nextKeyAlias) <= generation(organId, keyAlias)) {
            throw new IllegalArgumentException("the next key alias of tenant " + organId + " must be a later "
                    + keyAliasOf(organId) + GENERATION_SEPARATOR + "N than " + keyAlias);
        }
        if (switchAt != null) {
            if (nextKeyAlias == null) {
                throw new IllegalArgumentException("tenant " + organId + " has no next key to switch to");
            }
            java.time.Instant.parse(switchAt); // refuses a malformed time
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

    /** An active tenant without limits or a key rollover under way. */
    public Tenant(String organId, String name, String keyAlias, List<String> dmsCertificateSha256) {
        this(organId, name, keyAlias, dmsCertificateSha256, TenantStatus.ACTIVE, TenantQuota.NONE, null, null);
    }

    /**
     * The alias of the key that signs for this tenant at {@code now}: the current key, or the next
     * one once the switch time chosen for a staged rollover has come.
     */
    public String signingKeyAlias(java.time.Instant now) {
        return switched(now) ? nextKeyAlias : keyAlias;
    }

    private boolean switched(java.time.Instant now) {
        return nextKeyAlias != null && switchAt != null && !now.isBefore(java.time.Instant.parse(switchAt));
    }

    /** This tenant with a switch that has come made final: the next key is the current one. */
    public Tenant settled(java.time.Instant now) {
        return switched(now) ? new Tenant(organId, name, nextKeyAlias, dmsCertificateSha256, status, quota, null, null)
                : this;
    }

    /**
     * The alias the next key of a rollover gets: sign-ORGAN_2, _3, … after the current one. The
     * separator is one no organ id contains: with the dot used before, sign-X.2 was both the next key
     * of X and the key of organ X.2.
     */
    public String nextGenerationAlias() {
        return keyAliasOf(organId) + GENERATION_SEPARATOR + (generation(organId, keyAlias) + 1);
    }

    /** Whether the key alias or the next key alias is of the form sign-ORGAN.N that versions before 14 wrote. */
    public boolean hasLegacyAlias() {
        return !migratedAlias(keyAlias).equals(keyAlias)
                || (nextKeyAlias != null && !migratedAlias(nextKeyAlias).equals(nextKeyAlias));
    }

    /** The alias as it is written now: sign-ORGAN.N becomes sign-ORGAN_N; any other is unchanged. */
    public String migratedAlias(String alias) {
        String legacyPrefix = keyAliasOf(organId) + ".";
        return alias.startsWith(legacyPrefix) && generation(organId, alias) >= 2
                ? keyAliasOf(organId) + GENERATION_SEPARATOR + alias.substring(legacyPrefix.length()) : alias;
    }

    /** This tenant with its aliases as they are written now (see {@link #migratedAlias}). */
    public Tenant withMigratedAliases() {
        return new Tenant(organId, name, migratedAlias(keyAlias), dmsCertificateSha256, status, quota,
                nextKeyAlias == null ? null : migratedAlias(nextKeyAlias), switchAt);
    }

    /** This tenant with a next key generated (not yet switched to). */
    public Tenant withNextKey(String alias) {
        return new Tenant(organId, name, keyAlias, dmsCertificateSha256, status, quota, alias, null);
    }

    /** This tenant switching to its next key at {@code at}. */
    public Tenant withSwitchAt(java.time.Instant at) {
        return new Tenant(organId, name, keyAlias, dmsCertificateSha256, status, quota, nextKeyAlias, at.toString());
    }

    /**
     * 1 for sign-ORGAN, N for sign-ORGAN_N (N at least 2), 0 for any other alias; sign-ORGAN.N, as
     * written before, is read too, so that a record can be read to be migrated.
     */
    private static int generation(String organId, String alias) {
        String base = keyAliasOf(organId);
        if (base.equals(alias)) {
            return 1;
        }
        if (alias == null || !(alias.startsWith(base + GENERATION_SEPARATOR) || alias.startsWith(base + "."))) {
            return 0;
        }
        String number = alias.substring(base.length() + 1);
        if (!number.matches("[1-9][0-9]{0,5}")) {
            return 0;
        }
        int n = Integer.parseInt(number);
        return n >= 2 ? n : 0;
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
        return new Tenant(organId, newName, keyAlias, dmsCertificateSha256, status, quota, nextKeyAlias, switchAt);
    }

    /** This tenant with one more DMS certificate fingerprint (no change if already bound). */
    public Tenant withDmsCertificate(String sha256) {
        List<String> pins = new ArrayList<>(dmsCertificateSha256);
        pins.add(sha256);
        return new Tenant(organId, name, keyAlias, pins, status, quota, nextKeyAlias, switchAt);
    }

    /** This tenant with another status; removing it also unbinds its DMS certificates. */
    public Tenant withStatus(TenantStatus newStatus) {
        return new Tenant(organId, name, keyAlias,
                newStatus == TenantStatus.REMOVED ? List.of() : dmsCertificateSha256, newStatus, quota, nextKeyAlias,
                switchAt);
    }

    /** This tenant with another quota. */
    public Tenant withQuota(TenantQuota newQuota) {
        return new Tenant(organId, name, keyAlias, dmsCertificateSha256, status, newQuota, nextKeyAlias, switchAt);
    }
}
