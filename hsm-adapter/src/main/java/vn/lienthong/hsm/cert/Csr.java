package vn.lienthong.hsm.cert;

import java.io.IOException;
import java.security.Provider;
import java.security.PublicKey;
import org.bouncycastle.operator.ContentSigner;
import java.util.ArrayList;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.RuntimeOperatorException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.bouncycastle.util.IPAddress;
import vn.lienthong.hsm.HsmException;
import vn.lienthong.hsm.token.TokenKey;

/** PKCS#10 certification requests signed inside the token. */
public final class Csr {
    private Csr() {
    }

    /**
     * A PEM "CERTIFICATE REQUEST" for the key, with the subject DN given (RFC 4514 form, e.g.
     * {@code CN=000.00.00.G22,O=...,C=VN}) and optional subjectAltName DNS names and IP addresses.
     * Signed with the key's default algorithm (SHA256withRSA or SHA256withECDSA) in the token.
     *
     * @throws IllegalArgumentException if the DN or an IP address cannot be parsed
     * @throws HsmException if the token cannot sign
     */
    public static String pem(TokenKey key, Provider tokenProvider, String subjectDn,
                             List<String> dnsNames, List<String> ipAddresses) {
        X500Name subject = subject(subjectDn);
        PKCS10CertificationRequestBuilder request = new JcaPKCS10CertificationRequestBuilder(subject, key.publicKey());
        List<GeneralName> altNames = new ArrayList<>();
        for (String dns : dnsNames) {
            if (dns.isBlank()) {
                throw new IllegalArgumentException("a DNS name for the certificate request is empty");
            }
            altNames.add(new GeneralName(GeneralName.dNSName, dns));
        }
        for (String ip : ipAddresses) {
            if (!IPAddress.isValid(ip)) {
                throw new IllegalArgumentException("'" + ip + "' is not an IPv4 or IPv6 address");
            }
            altNames.add(new GeneralName(GeneralName.iPAddress, ip));
        }
        String algorithm = key.defaultSignatureAlgorithm().jcaName();
        try {
            if (!altNames.isEmpty()) {
                // PKCS#9 extensionRequest (RFC 2986 §4.1, RFC 2985 §5.4.2) carrying subjectAltName.
                ExtensionsGenerator extensions = new ExtensionsGenerator();
                extensions.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(altNames.toArray(GeneralName[]::new)));
                request.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
            }
            var signer = new JcaContentSignerBuilder(algorithm).setProvider(tokenProvider).build(key.privateKey());
            return Pem.encode("CERTIFICATE REQUEST", request.build(signer).getEncoded());
        } catch (OperatorCreationException | RuntimeOperatorException | IOException e) {
            throw new HsmException("cannot make a certificate request with key '" + key.alias() + "' ("
                    + algorithm + "): " + HsmException.rootMessage(e), e);
        }
    }

    /**
     * A PEM "CERTIFICATE REQUEST" for {@code publicKey} with the subject DN given and no extensions,
     * signed by {@code signer} (a signature made in the token for the matching private key).
     */
    public static String pem(PublicKey publicKey, ContentSigner signer, String subjectDn) {
        try {
            return Pem.encode("CERTIFICATE REQUEST", new JcaPKCS10CertificationRequestBuilder(subject(subjectDn),
                    publicKey).build(signer).getEncoded());
        } catch (RuntimeOperatorException | IOException e) {
            throw new HsmException("cannot make a certificate request for '" + subjectDn + "': "
                    + HsmException.rootMessage(e), e);
        }
    }

    /**
     * Parses the DN as RFC 4514 does: the string lists the most specific name first, the DER
     * encoding the most general first. The JDK's X500Principal gets this order right.
     */
    private static X500Name subject(String subjectDn) {
        try {
            return X500Name.getInstance(new X500Principal(subjectDn).getEncoded());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the subject '" + subjectDn
                    + "' is not a distinguished name (RFC 4514, e.g. CN=000.00.00.G22,O=Agency,C=VN)", e);
        }
    }
}
