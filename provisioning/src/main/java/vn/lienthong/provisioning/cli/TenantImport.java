package vn.lienthong.provisioning.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import vn.lienthong.hsm.HsmException;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.hsm.token.BulkKeys;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.provisioning.registry.OrganIds;
import vn.lienthong.provisioning.registry.Tenant;

/**
 * {@code provision tenant import FILE --csr-dir DIR}: many new tenants at once, their signing keys
 * generated in one HSM session (one read of the token's key list, not one per key) and a certificate
 * request written for each; {@code provision cert import-tenants DIR} takes the issued certificates back.
 */
@Command(name = "import", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
        description = {
            "Add many new tenants at once from FILE (JSON: {\"tenants\": [{\"organId\": \"000.00.00.G22\","
                + " \"name\": \"...\", \"algorithm\": \"ecp256\", \"dmsCertificates\": [\"dms/G22.crt\"]}, ...]};"
                + " paths are relative to FILE's directory), generate each one's signing key (alias sign-ORGAN)"
                + " in the HSM in one session, and write a certificate request for each to DIR/ORGAN.csr.",
            "Refuses, changing nothing, if an organ is already a tenant or its alias already has a key."
                + " Then have the CA issue DIR/ORGAN.pem for each request and run 'provision cert import-tenants DIR'."
        })
final class TenantImport extends ProvisioningAction {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(index = "0", paramLabel = "FILE", description = "The tenants to add (JSON).")
    Path file;

    @Option(names = "--csr-dir", paramLabel = "DIR", required = true,
            description = "Where to write each tenant's certificate request (ORGAN.csr, PEM).")
    Path csrDirectory;

    private record Entry(Tenant tenant, KeyAlgorithm algorithm) {
    }

    @Override
    void run(ProvisioningEnvironment environment, PrintWriter out) {
        List<Entry> entries = read(environment.registry());
        long start = System.nanoTime();
        // Grouped by token (a tenant may be configured to keep its key in a token of its own).
        Map<Token, Map<KeyAlgorithm, List<Entry>>> byToken = new IdentityHashMap<>();
        for (Entry entry : entries) {
            byToken.computeIfAbsent(environment.tokenFor(Optional.of(entry.tenant())), t -> new java.util.EnumMap<>(
                    KeyAlgorithm.class)).computeIfAbsent(entry.algorithm(), a -> new ArrayList<>()).add(entry);
        }
        Map<String, Tenant> byAlias = new java.util.HashMap<>();
        entries.forEach(e -> byAlias.put(e.tenant().keyAlias(), e.tenant()));
        List<BulkKeys.Generated> keys = new ArrayList<>();
        try {
            for (var token : byToken.entrySet()) {
                for (var algorithm : token.getValue().entrySet()) {
                    // Each key's request is signed in the same session as the key is made.
                    keys.addAll(BulkKeys.generate(token.getKey(), algorithm.getValue().stream()
                            .map(e -> e.tenant().keyAlias()).toList(), algorithm.getKey(),
                            alias -> CsrCommand.tenantSubject(byAlias.get(alias))));
                }
            }
        } catch (HsmException e) {
            throw new Refusal(e.getMessage());
        }
        double keySeconds = (System.nanoTime() - start) / 1e9;
        ApplianceRegistry registry = environment.registry();
        for (Entry entry : entries) {
            registry.putTenant(entry.tenant());
        }
        try {
            Files.createDirectories(csrDirectory);
            for (BulkKeys.Generated key : keys) {
                Files.writeString(csrDirectory.resolve(byAlias.get(key.alias()).organId() + ".csr"),
                        key.certificationRequest(), StandardCharsets.US_ASCII);
            }
        } catch (IOException e) {
            throw new Refusal("the certificate requests could not be written to " + csrDirectory + ": "
                    + e.getMessage() + "; the tenants and keys are made: write them with 'provision csr'");
        }
        out.printf("imported %d tenants; their keys were generated in %.1f s; certificate requests in %s%n",
                entries.size(), keySeconds, csrDirectory);
    }

    /** Every entry checked before anything changes: organ ids, names, algorithms, DMS certificates. */
    private List<Entry> read(ApplianceRegistry registry) {
        JsonNode root;
        try {
            root = JSON.readTree(InputFiles.read(file));
        } catch (IOException e) {
            throw new Refusal(file + " is not JSON: " + e.getMessage());
        }
        JsonNode tenants = root.path("tenants");
        if (!tenants.isArray() || tenants.isEmpty()) {
            throw new Refusal(file + " has no \"tenants\" array with at least one tenant");
        }
        Path base = file.toAbsolutePath().getParent();
        Set<String> organs = new LinkedHashSet<>();
        List<Entry> entries = new ArrayList<>();
        for (JsonNode node : tenants) {
            String organId;
            try {
                organId = OrganIds.requireValid(node.path("organId").asText(""));
            } catch (IllegalArgumentException e) {
                throw new Refusal(file + ": " + e.getMessage());
            }
            String name = node.path("name").asText("");
            if (name.isBlank()) {
                throw new Refusal(file + ": tenant " + organId + " has no name");
            }
            if (!organs.add(organId) || registry.tenant(organId).isPresent()) {
                throw new Refusal(file + ": " + organId + " is already a tenant (or listed twice); 'provision tenant"
                        + " add' updates an existing tenant");
            }
            KeyAlgorithm algorithm;
            try {
                algorithm = KeyAlgorithm.fromCliName(node.path("algorithm").asText("ecp256"));
            } catch (IllegalArgumentException e) {
                throw new Refusal(file + ": tenant " + organId + ": " + e.getMessage());
            }
            Tenant tenant = Tenant.of(organId, name);
            for (JsonNode certificate : node.path("dmsCertificates")) {
                Path path = base.resolve(certificate.asText());
                tenant = tenant.withDmsCertificate(Pem.sha256Fingerprint(InputFiles.certificates(path).getFirst()));
            }
            entries.add(new Entry(tenant, algorithm));
        }
        return entries;
    }
}
