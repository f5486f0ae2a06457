package vn.lienthong.provisioning.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import vn.lienthong.hsm.cert.Csr;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;
import vn.lienthong.provisioning.registry.Tenant;

/** {@code provision csr}: a PKCS#10 request for a key in the HSM, signed in the HSM. */
@Command(name = "csr", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
        description = {
            "Write a PKCS#10 certification request (PEM) for a key in the HSM, signed in the HSM.",
            "Subject for a tenant: CN=<organ id>,O=<tenant name>,C=VN;"
                + " for --tls: CN=<first --dns name, else lienthong>,O=lienthong appliance,C=VN."
        })
final class CsrCommand extends ProvisioningAction {

    private static final Pattern DNS_NAME =
            Pattern.compile("(\\*\\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    @ArgGroup(exclusive = true, multiplicity = "1")
    KeyOwner owner;

    @Option(names = "--out", paramLabel = "FILE", description = "Write the request here (default: standard output).")
    Path outFile;

    @Option(names = "--dns", paramLabel = "NAME", description = "A DNS name for subjectAltName (repeatable).")
    List<String> dnsNames = new ArrayList<>();

    @Option(names = "--ip", paramLabel = "ADDR", description = "An IP address for subjectAltName (repeatable).")
    List<String> ipAddresses = new ArrayList<>();

    @Override
    void run(ProvisioningEnvironment environment, PrintWriter out) {
        for (String name : dnsNames) {
            if (name.length() > 253 || !DNS_NAME.matcher(name).matches()) {
                throw new Refusal("'" + name + "' is not a DNS name");
            }
        }
        for (String address : ipAddresses) {
            try {
                java.net.InetAddress.ofLiteral(address);
            } catch (IllegalArgumentException e) {
                throw new Refusal("'" + address + "' is not an IPv4 or IPv6 address");
            }
        }
        KeyOwner.Resolved resolved = owner.resolve(environment);
        Token token = environment.tokenFor(resolved.tenant());
        TokenKey key = token.key(resolved.alias()).orElseThrow(() -> new Refusal(
                "the token holds no key under the alias " + resolved.alias() + "; " + resolved.generateHint()));
        String subject = resolved.tenant().map(CsrCommand::tenantSubject)
                .orElseGet(() -> "CN=" + rdnValue(dnsNames.isEmpty() ? "lienthong" : dnsNames.getFirst())
                        + ",O=lienthong appliance,C=VN");
        String pem = Csr.pem(key, token.provider(), subject, dnsNames, ipAddresses);
        if (outFile == null) {
            out.print(pem);
            return;
        }
        try {
            Files.writeString(outFile, pem, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new Refusal("the request could not be written to " + outFile + ": " + e.getMessage());
        }
        out.println("wrote a certificate request for " + resolved.alias() + " (" + subject + ") to " + outFile);
    }

    static String tenantSubject(Tenant tenant) {
        return "CN=" + rdnValue(tenant.organId()) + ",O=" + rdnValue(tenant.name()) + ",C=VN";
    }

    /** An attribute value escaped as RFC 4514 §2.4 requires, so a tenant name cannot add or change attributes. */
    static String rdnValue(String value) {
        StringBuilder escaped = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean special = ",+\"\\<>;=".indexOf(c) >= 0
                    || i == 0 && (c == ' ' || c == '#')
                    || i == value.length() - 1 && c == ' ';
            if (c < 0x20 || c == 0x7f) {
                escaped.append(String.format("\\%02x", (int) c));
                continue;
            }
            if (special) {
                escaped.append('\\');
            }
            escaped.append(c);
        }
        return escaped.toString();
    }
}
