package vn.lienthong.provisioning.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.hsm.trust.CrlIssuer;
import vn.lienthong.hsm.trust.HeldCrl;
import vn.lienthong.hsm.trust.RevocationLists;
import vn.lienthong.storage.registry.Registry;

/**
 * The appliance's identity and routing state as typed records over the shared LMDB registry:
 * tenants, trust anchors, CRLs and the routing directory. Every call reads or writes the registry
 * directly, so a change made by the operator CLI is seen by the running service at its next call.
 */
public final class ApplianceRegistry {

    /** The HSM alias of the appliance's own TLS identity key. */
    public static final String TLS_KEY_ALIAS = "tls";

    static final String TENANT = "tenant";
    static final String TRUST = "trust";
    static final String DIRECTORY = "directory";
    /** A fresh value at each directory import, so that a reader can tell the directory changed with one read. */
    static final String DIRECTORY_VERSION = "directory-version";
    static final String OPERATOR = "operator";
    /** DMS certificate fingerprint to organ id: finds the tenant of a request in one read, however many tenants. */
    static final String DMS_INDEX = "dms-certificate";
    /** Present once the DMS index holds every tenant's certificates (stores made before it are indexed on first use). */
    private static final String DMS_INDEX_READY = "dms-index-ready";

    static final String CRL = "crl";
    /** Changes at every CRL import: the service decodes the CRLs again only then (a CRL may be megabytes). */
    private static final String CRL_VERSION = "crl-version";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Registry registry;
    /**
     * The anchors as last decoded, with the records they came from: every envelope received and
     * every receipt checked asks for them, and decoding certificates cost more than reading them.
     */
    private volatile DecodedAnchors decodedAnchors = new DecodedAnchors(List.of(), List.of());

    private record DecodedAnchors(List<byte[]> records, List<X509Certificate> anchors) {
    }

    /** The CRLs as last decoded, and the version record they were read under. */
    private volatile DecodedCrls decodedCrls = new DecodedCrls(new byte[0], RevocationLists.EMPTY);

    private record DecodedCrls(byte[] version, RevocationLists lists) {
    }

    /** Tenants and directory entries decoded from these exact bytes: each request looks several up. */
    private final Map<DecodedKey, Object> decoded = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_DECODED = 4096;

    /** A record's type and bytes ({@link java.nio.ByteBuffer} compares content). */
    private record DecodedKey(Class<?> type, java.nio.ByteBuffer bytes) {
    }

    public ApplianceRegistry(Registry registry) {
        this.registry = registry;
    }

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
        for (String pin : tenant.dmsCertificateSha256()) {
            Optional<Tenant> other = tenantByDmsCertificate(pin).filter(t -> !t.organId().equals(tenant.organId()));
            if (other.isPresent()) {
                // One client certificate acting as two tenants would let one organ read another's inbox.
                throw new IllegalArgumentException("the DMS certificate " + pin + " already acts as tenant "
                        + other.get().organId() + "; a certificate can act as one tenant only");
            }
            if (operatorByCertificate(pin).isPresent()) {
                throw new IllegalArgumentException("the DMS certificate " + pin + " is an operator's; a tenant's"
                        + " document system needs a certificate of its own");
            }
        }
        Optional<Tenant> before = tenant(tenant.organId());
        registry.put(TENANT, tenant.organId(), write(tenant));
        index(before, tenant);
    }

    /** Brings the DMS index in line with a tenant's record (a lookup checks the record again, so a stale entry is harmless). */
    private void index(Optional<Tenant> before, Tenant after) {
        before.ifPresent(old -> old.dmsCertificateSha256().stream()
                .filter(pin -> !after.dmsCertificateSha256().contains(pin))
                .forEach(pin -> registry.delete(DMS_INDEX, pin)));
        for (String pin : after.dmsCertificateSha256()) {
            registry.put(DMS_INDEX, pin, after.organId().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    public Optional<Tenant> tenant(String organId) {
        return registry.get(TENANT, organId).map(bytes -> decoded(bytes, Tenant.class, TENANT, organId));
    }

    /** Every tenant, by organ id. */
    public List<Tenant> tenants() {
        List<Tenant> tenants = new ArrayList<>();
        registry.list(TENANT).forEach((key, bytes) -> tenants.add(read(bytes, Tenant.class, TENANT, key)));
        return tenants;
    }

    /**
     * Sets a tenant's status (suspend, resume, remove) and returns it as stored.
     *
     * @throws IllegalArgumentException if there is no such tenant
     * @throws IllegalStateException if it was removed and is to be suspended or resumed
     */
    public Tenant changeTenantStatus(String organId, TenantStatus status) {
        Tenant tenant = tenant(organId).orElseThrow(() -> new IllegalArgumentException("there is no tenant "
                + organId + "; 'provision tenant list' shows the tenants"));
        if (tenant.status() == TenantStatus.REMOVED && status != TenantStatus.REMOVED) {
            throw new IllegalStateException("tenant " + organId + " was removed; add it again with"
                    + " 'provision tenant add " + organId + " --dms-cert FILE'");
        }
        Tenant changed = tenant.withStatus(status);
        registry.put(TENANT, organId, write(changed));
        index(Optional.of(tenant), changed);
        return changed;
    }

    /**
     * Adds or replaces an operator of the operator API, keyed by their certificate.
     *
     * @throws IllegalArgumentException if the certificate already acts as a tenant's document system
     */
    public void putOperator(Operator operator) {
        if (tenantByDmsCertificate(operator.certificateSha256()).isPresent()) {
            throw new IllegalArgumentException("the certificate " + operator.certificateSha256()
                    + " acts as a tenant's document system; an operator needs a certificate of their own");
        }
        registry.put(OPERATOR, operator.certificateSha256(), write(operator));
    }

    /** The operator a client certificate (by its lower-case hex SHA-256) authenticates, if any. */
    public Optional<Operator> operatorByCertificate(String sha256) {
        if (!Fingerprints.isSha256Hex(sha256)) {
            return Optional.empty();
        }
        String pin = sha256.toLowerCase(Locale.ROOT);
        return registry.get(OPERATOR, pin).map(bytes -> read(bytes, Operator.class, OPERATOR, pin));
    }

    /** Every operator, by certificate fingerprint. */
    public List<Operator> operators() {
        List<Operator> operators = new ArrayList<>();
        registry.list(OPERATOR).forEach((key, bytes) -> operators.add(read(bytes, Operator.class, OPERATOR, key)));
        return operators;
    }

    /** Removes every certificate of the operator named {@code name}; returns how many. */
    public int removeOperator(String name) {
        int removed = 0;
        for (Operator operator : operators()) {
            if (operator.name().equals(name) && registry.delete(OPERATOR, operator.certificateSha256())) {
                removed++;
            }
        }
        return removed;
    }

    /** The tenant a document-system client certificate (by its lower-case hex SHA-256) acts as, if any. */
    public Optional<Tenant> tenantByDmsCertificate(String sha256) {
        if (!Fingerprints.isSha256Hex(sha256)) {
            return Optional.empty();
        }
        String pin = sha256.toLowerCase(Locale.ROOT);
        if (registry.get(DMS_INDEX, DMS_INDEX_READY).isEmpty()) {
            for (Tenant tenant : tenants()) {
                index(Optional.empty(), tenant);
            }
            registry.put(DMS_INDEX, DMS_INDEX_READY, new byte[0]);
        }
        return registry.get(DMS_INDEX, pin)
                .flatMap(organ -> tenant(new String(organ, java.nio.charset.StandardCharsets.UTF_8)))
                .filter(t -> t.dmsCertificateSha256().contains(pin));
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
        Map<String, byte[]> stored = registry.list(TRUST);
        List<byte[]> records = List.copyOf(stored.values());
        DecodedAnchors last = decodedAnchors;
        if (records.size() == last.records().size()
                && java.util.stream.IntStream.range(0, records.size())
                        .allMatch(i -> java.util.Arrays.equals(records.get(i), last.records().get(i)))) {
            return last.anchors();
        }
        List<X509Certificate> anchors = new ArrayList<>();
        stored.forEach((key, bytes) -> anchors.add(
                certificate(read(bytes, TrustRecord.class, TRUST, key).certificate(), key)));
        decodedAnchors = new DecodedAnchors(records, List.copyOf(anchors));
        return List.copyOf(anchors);
    }

    /**
     * Holds a CRL from now on, in place of the one held for the same issuer (name and key), after
     * checking that a trust anchor, or one of {@code intermediates} that chains to one, signed it.
     *
     * @param intermediates CA certificates that may have signed it, with their chain up to an anchor
     * @throws vn.lienthong.hsm.trust.CertificateRejectedException if no trusted CA signed it
     * @throws IllegalArgumentException if the CRL held for that issuer is newer (a replayed old CRL
     *         could otherwise make a revoked certificate good again)
     */
    public HeldCrl importCrl(X509CRL crl, List<X509Certificate> intermediates, Instant now) {
        HeldCrl held = CrlIssuer.verify(crl, trustAnchors(), intermediates, revocationLists(), now);
        String key = Pem.sha256Fingerprint(held.issuer());
        Optional<HeldCrl> before = registry.get(CRL, key)
                .map(bytes -> heldCrl(read(bytes, CrlRecord.class, CRL, key), key));
        if (before.isPresent() && before.get().crl().getThisUpdate().after(crl.getThisUpdate())) {
            throw new IllegalArgumentException("the CRL of '" + held.issuerName() + "' issued at "
                    + crl.getThisUpdate().toInstant() + " is older than the one held (issued at "
                    + before.get().crl().getThisUpdate().toInstant() + "); nothing was changed");
        }
        try {
            registry.put(CRL, key, write(new CrlRecord(held.issuerName(), crl.getEncoded(), encoded(held.issuer()))));
        } catch (java.security.cert.CRLException e) {
            throw new IllegalArgumentException("the CRL cannot be encoded", e);
        }
        // After the CRL itself: a reader that sees the new version reads the new CRL.
        byte[] version = new byte[16];
        new java.security.SecureRandom().nextBytes(version);
        registry.put(CRL_VERSION, CRL_VERSION, version);
        return held;
    }

    /** Every CRL held, by issuer. */
    public List<HeldCrl> crls() {
        List<HeldCrl> crls = new ArrayList<>();
        registry.list(CRL).forEach((key, bytes) -> crls.add(heldCrl(read(bytes, CrlRecord.class, CRL, key), key)));
        return crls;
    }

    /** The CRLs held, as every chain is checked against them; decoded again only after an import. */
    public RevocationLists revocationLists() {
        byte[] version = registry.get(CRL_VERSION, CRL_VERSION).orElse(new byte[0]);
        DecodedCrls last = decodedCrls;
        if (java.util.Arrays.equals(version, last.version())) {
            return last.lists();
        }
        RevocationLists lists = new RevocationLists(crls());
        decodedCrls = new DecodedCrls(version, lists);
        return lists;
    }

    /** How a CRL is stored: its issuer's name for people reading the store, its DER, and its issuer's certificate. */
    record CrlRecord(String issuer, byte[] crl, byte[] issuerCertificate) {
    }

    private static HeldCrl heldCrl(CrlRecord record, String key) {
        try {
            X509CRL crl = (X509CRL) CertificateFactory.getInstance("X.509")
                    .generateCRL(new ByteArrayInputStream(record.crl()));
            return new HeldCrl(crl, certificate(record.issuerCertificate(), key));
        } catch (CertificateException | java.security.cert.CRLException e) {
            throw new IllegalStateException("the registry's CRL " + key + " cannot be read; import it again", e);
        }
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
        // After the entries: a reader that reads the version first never keeps old entries under a new version.
        registry.put(DIRECTORY_VERSION, "current", java.util.UUID.randomUUID().toString()
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * Changes whenever the directory is imported (empty if it never was since this record was introduced): read
     * it before the entries, and cache what is derived from them under it.
     */
    public String directoryVersion() {
        return registry.get(DIRECTORY_VERSION, "current")
                .map(bytes -> new String(bytes, java.nio.charset.StandardCharsets.UTF_8)).orElse("");
    }

    public Optional<DirectoryEntry> directoryEntry(String organId) {
        return registry.get(DIRECTORY, organId).map(bytes -> decoded(bytes, DirectoryEntry.class, DIRECTORY, organId));
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

    /** As {@link #read}, but a record read before from the same bytes is not decoded again. */
    private <T> T decoded(byte[] bytes, Class<T> type, String kind, String key) {
        DecodedKey cacheKey = new DecodedKey(type, java.nio.ByteBuffer.wrap(bytes));
        Object known = decoded.get(cacheKey);
        if (known != null) {
            return type.cast(known);
        }
        T value = read(bytes, type, kind, key);
        if (decoded.size() >= MAX_DECODED) {
            decoded.clear();
        }
        decoded.put(cacheKey, value);
        return value;
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
            throw new IllegalStateException("the registry's certificate " + key + " is not readable; "
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
