package vn.lienthong.provisioning.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;
import vn.lienthong.hsm.trust.CertificateRejectedException;
import vn.lienthong.hsm.trust.CertificateUsage;
import vn.lienthong.hsm.trust.ChainValidator;
import vn.lienthong.provisioning.cert.CertificateExpiry;

/** {@code provision cert}: certificates for the keys in the HSM. */
@Command(name = "cert", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
        description = "Manage the certificates of the keys in the HSM.",
        subcommands = {CertCommand.Import.class, CertImportTenants.class, CertCommand.Status.class})
final class CertCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw Subcommands.missing(spec);
    }

    @Command(name = "status", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
            description = {
                "List the certificate of every key the appliance uses (its TLS identity and each tenant's"
                    + " signing key) with its end date, days left and state: ok, expires-soon (within 30"
                    + " days: the service's readiness warns), expired, or no-certificate (none imported yet)."
            })
    static final class Status extends ProvisioningAction {

        @Override
        void run(ProvisioningEnvironment environment, PrintWriter out) {
            Instant now = Instant.now();
            Table table = new Table("TENANT", "USAGE", "KEY ALIAS", "SUBJECT", "NOT AFTER", "DAYS LEFT", "STATE");
            List<java.util.Map.Entry<String, java.util.Optional<vn.lienthong.provisioning.registry.Tenant>>> keys =
                    new ArrayList<>();
            keys.add(java.util.Map.entry(vn.lienthong.provisioning.registry.ApplianceRegistry.TLS_KEY_ALIAS,
                    java.util.Optional.empty()));
            for (var tenant : environment.registry().tenants()) {
                if (tenant.status() != vn.lienthong.provisioning.registry.TenantStatus.REMOVED) {
                    keys.add(java.util.Map.entry(tenant.keyAlias(), java.util.Optional.of(tenant)));
                }
            }
            for (var key : keys) {
                String alias = key.getKey();
                java.util.Optional<TokenKey> found = environment.tokenFor(key.getValue()).key(alias);
                if (found.isEmpty()) {
                    CertificateExpiry missing = CertificateExpiry.of(alias, null);
                    table.add(missing.tenant(), missing.usage(), alias, "-", "-", "-", "no-key");
                    continue;
                }
                CertificateExpiry expiry = CertificateExpiry.of(alias, found.get().certificate());
                boolean placeholder = expiry.placeholder();
                table.add(expiry.tenant(), expiry.usage(), alias,
                        placeholder ? "-" : expiry.certificate().getSubjectX500Principal().getName(),
                        placeholder ? "-" : TenantCommand.date(expiry.certificate().getNotAfter().toInstant()),
                        placeholder ? "-" : String.valueOf(expiry.remaining(now).toDays()), expiry.state(now));
            }
            table.print(out);
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
            description = {
                "Store a certificate and its chain beside a key in the HSM.",
                "FILE (PEM or DER) holds the certificate issued for the key and optionally its"
                    + " intermediate CAs. Refuses a certificate whose public key is not the key's, a"
                    + " chain that does not validate now to a trust anchor ('provision trust add'),"
                    + " and, for a tenant, a certificate whose subject CN is not the organ id or whose keyUsage"
                    + " allows neither digitalSignature nor nonRepudiation; for the TLS key, a certificate whose"
                    + " extendedKeyUsage lacks serverAuth or clientAuth."
            })
    static final class Import extends ProvisioningAction {

        @ArgGroup(exclusive = true, multiplicity = "1")
        KeyOwner owner;

        @picocli.CommandLine.Option(names = "--next",
                description = "For the tenant's next key of a staged rollover; it signs once 'provision key switch' says so.")
        boolean next;

        @Parameters(index = "0", paramLabel = "FILE", description = "The certificate, then any intermediates.")
        Path file;

        @Override
        void run(ProvisioningEnvironment environment, PrintWriter out) {
            List<X509Certificate> certificates = InputFiles.certificates(file);
            KeyOwner.Resolved resolved = owner.resolve(environment, next);
            Token token = environment.tokenFor(resolved.tenant());
            TokenKey key = token.key(resolved.alias()).orElseThrow(() -> new Refusal(
                    "the token holds no key under the alias " + resolved.alias() + "; " + resolved.generateHint()));
            List<X509Certificate> chain = checkedChain(key.alias(), key.publicKey(), resolved.tenant(), certificates,
                    file, environment.registry().trustAnchors());
            token.storeChain(resolved.alias(), chain);
            X509Certificate leaf = chain.getFirst();
            out.println("imported " + leaf.getSubjectX500Principal().getName() + " (valid until "
                    + TenantCommand.date(leaf.getNotAfter().toInstant()) + ", chain of " + chain.size()
                    + ") for the key " + resolved.alias());
        }
    }

    /**
     * The chain to store for the key, from the certificates read from {@code file}: refused unless one is
     * for the key's public key, names the tenant's organ as its only CN, and validates now to an anchor.
     */
    static List<X509Certificate> checkedChain(String alias, PublicKey publicKey,
                                              java.util.Optional<vn.lienthong.provisioning.registry.Tenant> tenant,
                                              List<X509Certificate> certificates, Path file,
                                              List<X509Certificate> anchors) {
        X509Certificate leaf = certificates.stream()
                .filter(c -> samePublicKey(c.getPublicKey(), publicKey))
                .findFirst()
                .orElseThrow(() -> new Refusal("no certificate in " + file + " is for the key " + alias
                        + " in the token (the public keys differ); import the certificate issued for the"
                        + " request made with 'provision csr'"));
        tenant.ifPresent(t -> {
            List<String> names = commonNames(leaf.getSubjectX500Principal());
            if (!names.equals(List.of(t.organId()))) {
                throw new Refusal("the certificate's subject " + leaf.getSubjectX500Principal().getName()
                        + " does not name the organ " + t.organId() + " as its only CN");
            }
        });
        // A certificate that may not be used as it will be would be refused by every peer: say so now.
        boolean tls = vn.lienthong.provisioning.registry.ApplianceRegistry.TLS_KEY_ALIAS.equals(alias);
        (tenant.isPresent() ? CertificateUsage.signingProblem(leaf)
                : tls ? CertificateUsage.tlsProblem(leaf, true, true) : java.util.Optional.<String>empty())
                .ifPresent(problem -> {
                    throw new Refusal("the certificate " + problem + ", so it cannot be bound to the key " + alias);
                });
        List<X509Certificate> chain = chainFrom(leaf, certificates);
        if (anchors.isEmpty()) {
            throw new Refusal("there are no trust anchors yet; add the issuing CA's root with"
                    + " 'provision trust add FILE' first");
        }
        try {
            ChainValidator.validate(chain, anchors, Instant.now());
        } catch (CertificateRejectedException e) {
            throw new Refusal("the certificate does not validate to a trust anchor: " + e.getMessage());
        }
        return chain;
    }

    /** The leaf, then each certificate that issued the previous one, as far as the file goes. */
    static List<X509Certificate> chainFrom(X509Certificate leaf, List<X509Certificate> certificates) {
        return vn.lienthong.hsm.trust.CertificateChains.from(leaf, certificates);
    }

    /** Every CN of a name, in order. */
    static List<String> commonNames(X500Principal name) {
        try {
            List<String> names = new ArrayList<>();
            for (Rdn rdn : new LdapName(name.getName(X500Principal.RFC2253)).getRdns()) {
                if ("CN".equalsIgnoreCase(rdn.getType())) {
                    names.add(String.valueOf(rdn.getValue()));
                }
            }
            return names;
        } catch (InvalidNameException e) {
            return List.of();
        }
    }

    // Compared by value, not by encoding: a token provider and a certificate factory may encode
    // the same key differently (e.g. EC parameters named or explicit).
    static boolean samePublicKey(PublicKey a, PublicKey b) {
        if (a instanceof RSAPublicKey ra && b instanceof RSAPublicKey rb) {
            return ra.getModulus().equals(rb.getModulus()) && ra.getPublicExponent().equals(rb.getPublicExponent());
        }
        if (a instanceof ECPublicKey ea && b instanceof ECPublicKey eb) {
            return ea.getW().equals(eb.getW())
                    && ea.getParams().getCurve().equals(eb.getParams().getCurve())
                    && ea.getParams().getGenerator().equals(eb.getParams().getGenerator())
                    && ea.getParams().getOrder().equals(eb.getParams().getOrder());
        }
        return Arrays.equals(a.getEncoded(), b.getEncoded());
    }
}
