package vn.lienthong.provisioning.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import vn.lienthong.hsm.HsmException;
import vn.lienthong.hsm.token.BulkKeys;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.provisioning.registry.Tenant;
import vn.lienthong.provisioning.registry.TenantStatus;

/** {@code provision cert import-tenants DIR}: the certificates of many tenants' keys stored in one HSM session. */
@Command(name = "import-tenants", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
        description = {
            "Store the certificate DIR/ORGAN.pem (PEM or DER, then any intermediates) beside the signing key of"
                + " each tenant that has such a file, in one HSM session: the bulk form of 'provision cert import"
                + " --tenant ORGAN FILE', after 'provision tenant import'.",
            "Each certificate is checked as 'cert import' checks it; one that fails refuses them all."
        })
final class CertImportTenants extends ProvisioningAction {

    @Parameters(index = "0", paramLabel = "DIR", description = "The directory of ORGAN.pem files.")
    Path directory;

    @Override
    void run(ProvisioningEnvironment environment, PrintWriter out) {
        if (!Files.isDirectory(directory)) {
            throw new Refusal(directory + " is not a directory");
        }
        List<X509Certificate> anchors = environment.registry().trustAnchors();
        Map<Token, Map<String, List<X509Certificate>>> byToken = new IdentityHashMap<>();
        Map<Token, Map<String, X509Certificate>> held = new IdentityHashMap<>();
        int count = 0;
        for (Tenant tenant : environment.registry().tenants()) {
            Path file = directory.resolve(tenant.organId() + ".pem");
            if (tenant.status() == TenantStatus.REMOVED || !Files.isRegularFile(file)) {
                continue;
            }
            Token token = environment.tokenFor(Optional.of(tenant));
            // Each token's certificates read once (one search), not one key-store search per key.
            Map<String, X509Certificate> current = held.computeIfAbsent(token, BulkKeys::certificates);
            X509Certificate now = current.get(tenant.keyAlias());
            if (now == null) {
                throw new Refusal("the token holds no key " + tenant.keyAlias() + " for tenant " + tenant.organId()
                        + "; 'provision tenant import' or 'provision key generate' makes it");
            }
            List<X509Certificate> chain = CertCommand.checkedChain(tenant.keyAlias(), now.getPublicKey(),
                    Optional.of(tenant), InputFiles.certificates(file), file, anchors);
            byToken.computeIfAbsent(token, t -> new LinkedHashMap<>()).put(tenant.keyAlias(), chain);
            count++;
        }
        if (count == 0) {
            throw new Refusal("no ORGAN.pem in " + directory + " is for a tenant of this appliance");
        }
        try {
            for (var entry : byToken.entrySet()) {
                BulkKeys.storeChains(entry.getKey(), entry.getValue());
            }
        } catch (HsmException e) {
            throw new Refusal(e.getMessage());
        }
        out.println("imported the certificates of " + count + " tenants from " + directory);
    }
}
