package vn.lienthong.appliance.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import vn.lienthong.appliance.demo.DemoCa.Profile;
import vn.lienthong.hsm.cert.Pem;

/**
 * Provisions one appliance whose token is initialised, the way an operator would with the
 * {@code lienthong provision} commands: the CA as trust anchor, the TLS key and certificate, and for
 * each tenant its document system's client certificate, its signing key and certificate. Keys are
 * generated in the appliance's HSM; the CA only ever sees their CSRs. Used by the demo (commands run
 * as separate processes) and by the end-to-end tests (in-process).
 */
public final class ApplianceSetup {

    /** Runs one {@code lienthong provision --config FILE …} command; throws when it fails. */
    @FunctionalInterface
    public interface Cli {
        void provision(List<String> arguments) throws Exception;
    }

    /** A tenant to set up: its organ id, name, and the algorithm of its signing key (rsa2048 or ecp256). */
    public record TenantSpec(String organId, String name, String algorithm) {
    }

    /** A tenant's document system identity: the key and certificate it presents to the local API. */
    public record DmsIdentity(PrivateKey key, X509Certificate certificate) {
    }

    /** What the setup made: the pin of the appliance's TLS certificate and each tenant's DMS identity. */
    public record Result(String tlsCertificateSha256, Map<String, DmsIdentity> documentSystems) {
    }

    private final DemoCa ca;
    private final Path caRootPem;

    public ApplianceSetup(DemoCa ca, Path caRootPem) {
        this.ca = ca;
        this.caRootPem = caRootPem;
    }

    /**
     * @param dir where CSRs ({@code csr/}), issued certificates ({@code certs/}) and DMS credentials
     *            ({@code dms/<organ>.crt|key}) are written
     */
    public Result provision(Path dir, List<TenantSpec> tenants, Cli cli) throws Exception {
        X509Certificate tls = provisionTls(dir, cli);
        Map<String, DmsIdentity> documentSystems = new LinkedHashMap<>();
        for (TenantSpec tenant : tenants) {
            Path dmsCertFile = documentSystem(dir, tenant, documentSystems);
            cli.provision(List.of("tenant", "add", tenant.organId(), "--name", tenant.name(),
                    "--dms-cert", dmsCertFile.toString()));
            cli.provision(List.of("key", "generate", "--tenant", tenant.organId(), "--alg", tenant.algorithm()));
            Path csr = dir.resolve("csr/" + tenant.organId() + ".pem");
            cli.provision(List.of("csr", "--tenant", tenant.organId(), "--out", csr.toString()));
            Path cert = dir.resolve("certs/" + tenant.organId() + ".pem");
            Files.writeString(cert, DemoCa.pem(ca.issue(Files.readString(csr), Profile.SIGNING, List.of(), List.of())));
            cli.provision(List.of("cert", "import", "--tenant", tenant.organId(), cert.toString()));
        }
        return new Result(Pem.sha256Fingerprint(tls), documentSystems);
    }

    /**
     * Like {@link #provision}, but the tenants go in with the bulk commands ({@code provision tenant import}
     * and {@code provision cert import-tenants}): their keys made in one HSM session, so that a thousand
     * tenants take about a minute rather than an hour.
     */
    public Result provisionInBulk(Path dir, List<TenantSpec> tenants, Cli cli) throws Exception {
        X509Certificate tls = provisionTls(dir, cli);
        Map<String, DmsIdentity> documentSystems = new LinkedHashMap<>();
        List<Map<String, Object>> entries = new ArrayList<>();
        for (TenantSpec tenant : tenants) {
            Path dmsCertFile = documentSystem(dir, tenant, documentSystems);
            entries.add(Map.of("organId", tenant.organId(), "name", tenant.name(), "algorithm", tenant.algorithm(),
                    "dmsCertificates", List.of(dmsCertFile.toAbsolutePath().toString())));
        }
        Path file = dir.resolve("tenants.json");
        new com.fasterxml.jackson.databind.ObjectMapper().writeValue(file.toFile(), Map.of("tenants", entries));
        Path csrs = dir.resolve("csr/tenants");
        cli.provision(List.of("tenant", "import", file.toString(), "--csr-dir", csrs.toString()));
        Path certs = Files.createDirectories(dir.resolve("certs/tenants"));
        for (TenantSpec tenant : tenants) {
            String csr = Files.readString(csrs.resolve(tenant.organId() + ".csr"));
            Files.writeString(certs.resolve(tenant.organId() + ".pem"),
                    DemoCa.pem(ca.issue(csr, Profile.SIGNING, List.of(), List.of())));
        }
        cli.provision(List.of("cert", "import-tenants", certs.toString()));
        return new Result(Pem.sha256Fingerprint(tls), documentSystems);
    }

    /** The trust anchor, then the appliance's TLS key (in the HSM) and its certificate. */
    private X509Certificate provisionTls(Path dir, Cli cli) throws Exception {
        for (String sub : List.of("csr", "certs", "dms")) {
            Files.createDirectories(dir.resolve(sub));
        }
        cli.provision(List.of("trust", "add", caRootPem.toString()));

        cli.provision(List.of("key", "generate", "--tls", "--alg", "ecp256"));
        Path tlsCsr = dir.resolve("csr/tls.pem");
        cli.provision(List.of("csr", "--tls", "--dns", "localhost", "--ip", "127.0.0.1", "--out", tlsCsr.toString()));
        X509Certificate tls = ca.issue(Files.readString(tlsCsr), Profile.TLS, List.of("localhost"), List.of("127.0.0.1"));
        Path tlsCert = dir.resolve("certs/tls.pem");
        Files.writeString(tlsCert, DemoCa.pem(tls));
        cli.provision(List.of("cert", "import", "--tls", tlsCert.toString()));
        return tls;
    }

    /** The tenant's document system: a key made here and a client certificate from the CA, written to dms/. */
    private Path documentSystem(Path dir, TenantSpec tenant, Map<String, DmsIdentity> documentSystems)
            throws Exception {
        KeyPair dmsKey = DemoCa.ecKeyPair();
        X509Certificate dmsCert = ca.issue(new X500Name("CN=DMS " + tenant.organId() + ",O=" + tenant.name()
                + ",C=VN"), dmsKey.getPublic(), Profile.DMS_CLIENT, List.of(), List.of());
        Path dmsCertFile = dir.resolve("dms/" + tenant.organId() + ".crt");
        Files.writeString(dmsCertFile, DemoCa.pem(dmsCert));
        writeSecret(dir.resolve("dms/" + tenant.organId() + ".key"), DemoCa.pem(dmsKey.getPrivate()));
        documentSystems.put(tenant.organId(), new DmsIdentity(dmsKey.getPrivate(), dmsCert));
        return dmsCertFile;
    }

    /** One line of the routing directory: where an organ's appliance listens and its TLS pin. */
    public record Route(String organId, String endpoint, String tlsCertificateSha256) {
    }

    /** A routing directory file (JSON, as {@code directory import} reads it). */
    public static String directoryJson(List<Route> routes) {
        List<String> entries = new ArrayList<>();
        for (Route route : routes) {
            entries.add("  {\"organId\": \"" + route.organId() + "\", \"endpoint\": \"" + route.endpoint()
                    + "\", \"tlsCertificateSha256\": \"" + route.tlsCertificateSha256() + "\"}");
        }
        return "{\"entries\": [\n" + String.join(",\n", entries) + "\n]}\n";
    }

    /** Writes a file readable by its owner only (PINs, private keys). */
    public static void writeSecret(Path file, String content) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, content.endsWith("\n") ? content : content + "\n");
    }
}
