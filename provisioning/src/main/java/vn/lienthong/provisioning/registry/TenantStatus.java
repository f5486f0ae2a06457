package vn.lienthong.provisioning.registry;

/**
 * Whether a tenant may use the appliance now. A suspended tenant keeps everything it has but its
 * document system is refused and envelopes for it are held back at the sender; a removed tenant
 * is refused everywhere, and its stored messages, evidence and audit records stay.
 */
public enum TenantStatus {
    ACTIVE, SUSPENDED, REMOVED;

    /** The word operators read and type: {@code active}, {@code suspended}, {@code removed}. */
    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
