package vn.lienthong.appliance.axis;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.appliance.tls.PeerNotPinnedException;
import vn.lienthong.appliance.tls.TestPki;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.provisioning.registry.DirectoryEntry;
import vn.lienthong.storage.Storage;

/** The axis pin check over a real LMDB registry: only directory-pinned certificates (and the appliance's own) pass. */
class DirectoryPinsTest {

    static final TestPki PKI = TestPki.create("Pins Root");
    static final X509Certificate OWN = PKI.softwareKey("appliance-b", TestPki.Role.SERVER_AND_CLIENT).certificate();
    static final X509Certificate PEER_A = PKI.softwareKey("appliance-a", TestPki.Role.SERVER_AND_CLIENT).certificate();
    static final X509Certificate PEER_C = PKI.softwareKey("appliance-c", TestPki.Role.SERVER_AND_CLIENT).certificate();
    static final X509Certificate AGENCY = PKI.softwareKey("an agency", TestPki.Role.CLIENT).certificate();

    @TempDir
    Path dir;
    Storage storage;
    ApplianceRegistry registry;
    DirectoryPins pins;

    @BeforeEach
    void openTheStore() {
        storage = Storage.open(dir, 16L * 1024 * 1024);
        registry = new ApplianceRegistry(storage.registry());
        pins = new DirectoryPins(registry, () -> OWN);
    }

    @AfterEach
    void closeTheStore() {
        storage.close();
    }

    private static DirectoryEntry route(String organ, X509Certificate appliance) {
        return new DirectoryEntry(organ, URI.create("https://127.0.0.1:5500"), Pem.sha256Fingerprint(appliance));
    }

    @Test
    void admitsAPinnedPeerAndTheApplianceItselfAndRefusesAnyOtherCertificateOfTheSameCa() {
        registry.replaceDirectory(List.of(route("000.00.00.G22", PEER_A)));

        assertDoesNotThrow(() -> pins.check(new X509Certificate[] {PEER_A, PKI.certificate()}));
        assertDoesNotThrow(() -> pins.check(new X509Certificate[] {OWN}));
        PeerNotPinnedException refused = assertThrows(PeerNotPinnedException.class,
                () -> pins.check(new X509Certificate[] {AGENCY, PKI.certificate()}));
        assertTrue(refused.getMessage().contains(Pem.sha256Fingerprint(AGENCY)), refused.getMessage());
    }

    @Test
    void followsADirectoryImportedWhileItRuns() {
        registry.replaceDirectory(List.of(route("000.00.00.G22", PEER_A)));
        assertThrows(PeerNotPinnedException.class, () -> pins.check(new X509Certificate[] {PEER_C}));

        registry.replaceDirectory(List.of(route("000.00.00.H41", PEER_C)));

        assertDoesNotThrow(() -> pins.check(new X509Certificate[] {PEER_C}));
        assertThrows(PeerNotPinnedException.class, () -> pins.check(new X509Certificate[] {PEER_A}));
    }

    @Test
    void refusesEveryPeerWhileNoDirectoryWasImported() {
        assertThrows(PeerNotPinnedException.class, () -> pins.check(new X509Certificate[] {PEER_A}));
        assertDoesNotThrow(() -> pins.check(new X509Certificate[] {OWN}));
    }
}
