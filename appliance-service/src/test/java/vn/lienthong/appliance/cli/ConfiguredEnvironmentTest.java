package vn.lienthong.appliance.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenConfig;
import vn.lienthong.provisioning.cli.ProvisioningEnvironment;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.provisioning.registry.KeyAliasMigration;
import vn.lienthong.provisioning.registry.Tenant;
import vn.lienthong.storage.Storage;

class ConfiguredEnvironmentTest {

    private static final String G22 = "000.00.00.G22";

    @Test
    void theCliMigratesRolloverAliasesOfTheFormerFormWhenItOpensTheRegistry(@TempDir Path dir) throws Exception {
        try (SoftHsmTestToken softHsm = SoftHsmTestToken.create("cli-aliases")) {
            Path config = Files.writeString(dir.resolve("config.yaml"), """
                    storage:
                      path: data
                      map-size-mib: 64
                    hsm:
                      library: %s
                      token-label: %s
                      pin: file:%s
                    """.formatted(TokenConfig.SOFTHSM2_LIBRARY, softHsm.label(), softHsm.pinFile()));
            // A store and token as a version before issue 14 left them: G22's next key under sign-G22.2.
            PublicKey next;
            try (Token token = Token.open(softHsm.config());
                 Storage storage = Storage.open(dir.resolve("data"), 64L * 1024 * 1024)) {
                token.generateKey("sign-" + G22, KeyAlgorithm.EC_P256);
                next = token.generateKey("sign-" + G22 + ".2", KeyAlgorithm.EC_P256).publicKey();
                new ApplianceRegistry(storage.registry()).putTenant(new Tenant(G22, "Văn phòng", "sign-" + G22,
                        List.of(), null, null, "sign-" + G22 + ".2", null));
            }

            try (ProvisioningEnvironment environment = ConfiguredEnvironment.open(config)) {
                ApplianceRegistry registry = environment.registry();

                assertEquals("sign-" + G22 + "_2", registry.tenant(G22).orElseThrow().nextKeyAlias());
                assertEquals(next, environment.token().key("sign-" + G22 + "_2").orElseThrow().publicKey());
                List<String> actions = new ArrayList<>();
                environment.storage().audit().forEach(r -> actions.add(r.action()));
                assertTrue(actions.contains(KeyAliasMigration.ACTION), String.valueOf(actions));
            }
        }
    }
}
