package vn.lienthong.provisioning.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.provisioning.testing.TestCa;
import vn.lienthong.storage.Storage;

/** The typed registry over a real LMDB directory. */
class ApplianceRegistryTest {

    private static final String PIN_A = "aa".repeat(32);
    private static final String PIN_B = "bb".repeat(32);

    @TempDir
    Path dir;

    private Storage storage;
    private ApplianceRegistry registry;

    @BeforeEach
    void open() {
        storage = Storage.open(dir, 16L * 1024 * 1024);
        registry = new ApplianceRegistry(storage.registry());
    }

    @AfterEach
    void close() {
        storage.close();
    }

    @Test
    void tenantsSurviveReopeningTheEnvironment() {
        registry.putTenant(Tenant.of("000.00.00.G22", "Bộ Tư pháp").withDmsCertificate(PIN_A));
        registry.putTenant(Tenant.of("28.22.H17", "UBND tỉnh"));
        storage.close();
        storage = Storage.open(dir, 16L * 1024 * 1024);
        ApplianceRegistry reopened = new ApplianceRegistry(storage.registry());
        assertEquals(List.of("000.00.00.G22", "28.22.H17"), reopened.tenants().stream().map(Tenant::organId).toList());
        assertEquals("Bộ Tư pháp", reopened.tenant("000.00.00.G22").orElseThrow().name());
        assertTrue(reopened.tenant("000.00.00.G23").isEmpty());
    }

    @Test
    void findsTheTenantADmsCertificateActsAs() {
        registry.putTenant(Tenant.of("000.00.00.G22", "a").withDmsCertificate(PIN_A));
        registry.putTenant(Tenant.of("000.00.00.G23", "b").withDmsCertificate(PIN_B));
        assertEquals("000.00.00.G23", registry.tenantByDmsCertificate(PIN_B).orElseThrow().organId());
        assertEquals("000.00.00.G23", registry.tenantByDmsCertificate(PIN_B.toUpperCase()).orElseThrow().organId());
        assertTrue(registry.tenantByDmsCertificate("cc".repeat(32)).isEmpty());
        assertTrue(registry.tenantByDmsCertificate("not hex").isEmpty());
    }

    @Test
    void refusesToBindOneDmsCertificateToTwoTenants() {
        registry.putTenant(Tenant.of("000.00.00.G22", "a").withDmsCertificate(PIN_A));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> registry.putTenant(Tenant.of("000.00.00.G23", "b").withDmsCertificate(PIN_A)));
        assertTrue(e.getMessage().contains("already acts as tenant 000.00.00.G22"), e.getMessage());
        assertTrue(registry.tenant("000.00.00.G23").isEmpty());
        // Updating the tenant that owns it is fine.
        registry.putTenant(registry.tenant("000.00.00.G22").orElseThrow().withName("a2"));
        assertEquals("a2", registry.tenant("000.00.00.G22").orElseThrow().name());
    }

    @Test
    void trustAnchorsAreCaCertificatesOnlyKeyedByFingerprint() throws Exception {
        TestCa root = TestCa.root("Root");
        TestCa sub = root.intermediate("Sub");
        registry.addTrustAnchor(root.certificate());
        registry.addTrustAnchor(sub.certificate());
        registry.addTrustAnchor(root.certificate());
        List<X509Certificate> anchors = registry.trustAnchors();
        assertEquals(2, anchors.size());
        assertTrue(anchors.containsAll(List.of(root.certificate(), sub.certificate())));
        assertTrue(storage.registry().get("trust", Pem.sha256Fingerprint(root.certificate())).isPresent());

        X509Certificate leaf = root.issue(new X500Name("CN=leaf"), TestCa.ecKeys().getPublic());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> registry.addTrustAnchor(leaf));
        assertTrue(e.getMessage().contains("not a CA certificate"), e.getMessage());
        assertEquals(2, registry.trustAnchors().size());
    }

    @Test
    void trustAnchorsReadAgainShowWhatWasAddedOrRemovedSinceTheLastRead() throws Exception {
        TestCa root = TestCa.root("Root");
        TestCa other = TestCa.root("Other");
        registry.addTrustAnchor(root.certificate());
        assertEquals(List.of(root.certificate()), registry.trustAnchors());

        registry.addTrustAnchor(other.certificate());
        assertEquals(2, registry.trustAnchors().size());

        storage.registry().delete("trust", Pem.sha256Fingerprint(root.certificate()));
        assertEquals(List.of(other.certificate()), registry.trustAnchors());
    }

    @Test
    void replacingTheDirectoryDropsEntriesNotInTheNewOne() {
        registry.replaceDirectory(List.of(
                new DirectoryEntry("000.00.00.H41", URI.create("https://a.example:5500"), PIN_A),
                new DirectoryEntry("000.00.00.H42", URI.create("https://b.example:5500"), PIN_B)));
        assertEquals(URI.create("https://b.example:5500"), registry.directoryEntry("000.00.00.H42").orElseThrow().axisEndpoint());

        DirectoryEntry only = new DirectoryEntry("000.00.00.H43", URI.create("https://c.example:5500"), PIN_A);
        registry.replaceDirectory(List.of(only));
        assertEquals(List.of(only), registry.directory());
        assertTrue(registry.directoryEntry("000.00.00.H41").isEmpty());
    }

    @Test
    void aDirectoryListingAnOrganTwiceIsRefusedAndTheOldOneKept() {
        DirectoryEntry old = new DirectoryEntry("000.00.00.H41", URI.create("https://a.example:5500"), PIN_A);
        registry.replaceDirectory(List.of(old));
        DirectoryEntry twice = new DirectoryEntry("000.00.00.H44", URI.create("https://d.example:5500"), PIN_B);
        assertThrows(IllegalArgumentException.class, () -> registry.replaceDirectory(List.of(twice, twice)));
        assertEquals(List.of(old), registry.directory());
    }
}
