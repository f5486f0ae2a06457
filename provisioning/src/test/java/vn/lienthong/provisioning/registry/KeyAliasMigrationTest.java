package vn.lienthong.provisioning.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;
import vn.lienthong.storage.Storage;
import vn.lienthong.storage.audit.AuditRecord;

/** A token and a registry written with the rollover aliases of before (sign-ORGAN.N), migrated for real. */
class KeyAliasMigrationTest {

    private static final String X = "000.00.00.G22";
    private static final String Y = "000.00.00.H41";
    private static final String Y2 = "000.00.00.H41.2";

    private static SoftHsmTestToken softHsm;
    private static Token token;
    private static Storage storage;

    @TempDir
    static Path dir;

    @BeforeAll
    static void open() {
        softHsm = SoftHsmTestToken.create("aliases");
        token = Token.open(softHsm.config());
        storage = Storage.open(dir, 64L * 1024 * 1024);
    }

    @AfterAll
    static void close() {
        storage.close();
        token.close();
        softHsm.close();
    }

    private static List<String> migrate(ApplianceRegistry registry) {
        return KeyAliasMigration.migrate(registry, organ -> token, storage.audit(), "test", Clock.systemUTC());
    }

    @Test
    void renamesARolloverKeyOfTheFormerFormInTheTokenAndTheRegistryOnceAndAuditsIt() {
        ApplianceRegistry registry = new ApplianceRegistry(storage.registry());
        token.generateKey("sign-" + X, KeyAlgorithm.EC_P256);
        TokenKey next = token.generateKey("sign-" + X + ".2", KeyAlgorithm.EC_P256);
        registry.putTenant(new Tenant(X, "Văn phòng", "sign-" + X, List.of(), null, null, "sign-" + X + ".2", null));
        long auditBefore = storage.audit().size();

        List<String> done = migrate(registry);

        assertEquals(1, done.size(), String.valueOf(done));
        assertEquals("sign-" + X + "_2", registry.tenant(X).orElseThrow().nextKeyAlias());
        assertTrue(token.key("sign-" + X + ".2").isEmpty(), "the old alias is gone");
        TokenKey renamed = token.key("sign-" + X + "_2").orElseThrow();
        assertEquals(next.publicKey(), renamed.publicKey(), "the same key, under its new alias");
        assertEquals(next.certificate(), renamed.certificate(), "with its certificate");
        List<AuditRecord> audited = auditedSince(auditBefore);
        assertEquals(1, audited.size());
        assertTrue(audited.getFirst().detail().contains("sign-" + X + ".2 -> sign-" + X + "_2"), audited::toString);

        assertEquals(List.of(), migrate(registry), "a second run has nothing to do");
        assertEquals(1, auditedSince(auditBefore).size());
    }

    @Test
    void leavesAKeyThatCollidedWithAnotherOrgansBaseAliasToThatOrgan() {
        ApplianceRegistry registry = new ApplianceRegistry(storage.registry());
        token.generateKey("sign-" + Y, KeyAlgorithm.EC_P256);
        TokenKey shared = token.generateKey("sign-" + Y2, KeyAlgorithm.EC_P256);
        registry.putTenant(Tenant.of(Y2, "Một đơn vị con"));
        registry.putTenant(new Tenant(Y, "Nghệ An", "sign-" + Y, List.of(), null, null, "sign-" + Y2, null));

        List<String> done = migrate(registry);

        assertTrue(done.getFirst().contains("left to organ " + Y2), String.valueOf(done));
        assertEquals(shared.publicKey(), token.key("sign-" + Y2).orElseThrow().publicKey(), "still organ Y.2's key");
        assertEquals("sign-" + Y + "_2", registry.tenant(Y).orElseThrow().nextKeyAlias());
        assertTrue(token.key("sign-" + Y + "_2").isEmpty(), "Y must generate its next key again");
    }

    private static List<AuditRecord> auditedSince(long sizeBefore) {
        List<AuditRecord> records = new ArrayList<>();
        storage.audit().forEach(r -> {
            if (r.sequence() > sizeBefore && r.action().equals(KeyAliasMigration.ACTION)) {
                records.add(r);
            }
        });
        return records;
    }
}
