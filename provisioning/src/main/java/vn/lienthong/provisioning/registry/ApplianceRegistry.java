package vn.lienthong.provisioning.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.storage.registry.Registry;

/**
 * The appliance's identity and routing state as typed records over the shared LMDB registry:
 * tenants, trust anchors and the routing directory. Every call reads or writes the registry
 * directly, so a change made by the operator CLI is seen by the running service at its next call.
 */
public final class ApplianceRegistry {

    /** The HSM alias of the appliance's own TLS identity key. */
    public static final String TLS_KEY_ALIAS = "tls";

    static final String TENANT = "tenant";
    static final String TRUST = "trust";
    static final String DIRECTORY = "directory";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Registry registry;

    public ApplianceRegistry(Registry registry) {
        this.registry = registry;
    }

    /**
     * Adds or replaces a tenant.
     *
     * @throws IllegalArgumentException if one of its DMS certificates already acts as another tenant
     */
    /** Whether the appliance applies the tenant's organisation XMLDSig to its outgoing edXML documents. */
    public boolean signsEdxml(String organId) {
        return registry.get("edxml-sign", organId).isPresent();
    }

    /** Turns the organisation XMLDSig on or off for a tenant's outgoing edXML documents. */
    public void setSignsEdxml(String organId, boolean sign) {
        if (sign) {
            registry.put("edxml-sign", organId, new byte[] {1});
        } else {
            registry.delete("edxml-sign", organId);
        }
    }

    /** The tenants' SDK secrets, encrypted under the token's AES key. */
    public SdkSecrets sdkSecrets(vn.lienthong.hsm.token.Token token) {
        return new SdkSecrets(registry, token);
    }

    public void putTenant(Tenant tenant) {
        for (Tenant other : tenants()) {
            if (other.organId().equals(tenant.organId())) {
                continue;
            }
            for (String pin : tenant.dmsCertificateSha256()) {
                if (other.dmsCertificateSha256().contains(pin)) {
                    // One client certificate acting as two tenants would let one organ read another's inbox.
                    throw new IllegalArgumentException("the DMS certificate " + pin + " already acts as tenant "
                            + other.organId() + "; a certificate can act as one tenant only");
                }
            }
        }
        registry.put(TENANT, tenant.organId(), write(tenant));
    }

    public Optional<Tenant> tenant(String organId) {
        return registry.get(TENANT, organId).map(bytes -> read(bytes, Tenant.class, TENANT, organId));
    }

    /** Every tenant, by organ id. */
    public List<Tenant> tenants() {
        List<Tenant> tenants = new ArrayList<>();
        registry.list(TENANT).forEach((key, bytes) -> tenants.add(read(bytes, Tenant.class, TENANT, key)));
        return tenants;
    }

    /** The tenant a document-system client certificate (by its lower-case hex SHA-256) acts as, if any. */
    public Optional<Tenant> tenantByDmsCertificate(String sha256) {
        if (!Fingerprints.isSha256Hex(sha256)) {
            return Optional.empty();
        }
        String pin = sha256.toLowerCase(Locale.ROOT);
        return tenants().stream().filter(t -> t.dmsCertificateSha256().contains(pin)).findFirst();
    }

    /**
     * Trusts a CA certificate (stored under its SHA-256 fingerprint; adding it again changes nothing).
     *
     * @throws IllegalArgumentException if it is not a CA certificate (basicConstraints cA=true)
     */
    public void addTrustAnchor(X509Certificate certificate) {
        if (certificate.getBasicConstraints() < 0) {
            throw new IllegalArgumentException("the certificate " + certificate.getSubjectX500Principal().getName()
                    + " is not a CA certificate (its basicConstraints does not say cA=true) and cannot be a trust anchor");
        }
        registry.put(TRUST, Pem.sha256Fingerprint(certificate), write(new TrustRecord(
                certificate.getSubjectX500Principal().getName(X500Principal.RFC2253), encoded(certificate))));
    }

    /** Every trust anchor, by fingerprint. */
    public List<X509Certificate> trustAnchors() {
        List<X509Certificate> anchors = new ArrayList<>();
        registry.list(TRUST).forEach((key, bytes) -> anchors.add(
                certificate(read(bytes, TrustRecord.class, TRUST, key).certificate(), key)));
        return anchors;
    }

    /** Replaces the whole routing directory in one transaction: readers see the old one or the new one. */
    public void replaceDirectory(List<DirectoryEntry> entries) {
        Map<String, byte[]> records = new LinkedHashMap<>();
        for (DirectoryEntry entry : entries) {
            if (records.put(entry.organId(), write(entry)) != null) {
                throw new IllegalArgumentException("the directory lists " + entry.organId() + " more than once");
            }
        }
        registry.replaceAll(DIRECTORY, records);
    }

    public Optional<DirectoryEntry> directoryEntry(String organId) {
        return registry.get(DIRECTORY, organId).map(bytes -> read(bytes, DirectoryEntry.class, DIRECTORY, organId));
    }

    /** Every directory entry, by organ id. */
    public List<DirectoryEntry> directory() {
        List<DirectoryEntry> entries = new ArrayList<>();
        registry.list(DIRECTORY).forEach((key, bytes) -> entries.add(read(bytes, DirectoryEntry.class, DIRECTORY, key)));
        return entries;
    }

    /** How a trust anchor is stored: its subject for people reading the store, and its DER. */
    record TrustRecord(String subject, byte[] certificate) {
    }

    private static byte[] write(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a " + value.getClass().getSimpleName() + " record", e);
        }
    }

    private static <T> T read(byte[] bytes, Class<T> type, String kind, String key) {
        try {
            return JSON.readValue(bytes, type);
        } catch (IOException e) {
            throw new IllegalStateException("the registry's " + kind + " record " + key
                    + " cannot be read; import it again", e);
        }
    }

    private static X509Certificate certificate(byte[] der, String key) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new IllegalStateException("the registry's trust anchor " + key + " is not a readable certificate; "
                    + "add it again", e);
        }
    }

    private static byte[] encoded(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("the certificate cannot be encoded", e);
        }
    }
}
