package vn.lienthong.provisioning.testing;

import java.io.StringReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/** A software CA for tests (Bouncy Castle): a root, optionally an intermediate, issuing leaves. */
public final class TestCa {

    private final X500Name name;
    private final KeyPair keys;
    private final X509Certificate certificate;

    private TestCa(X500Name name, KeyPair keys, X509Certificate certificate) {
        this.name = name;
        this.keys = keys;
        this.certificate = certificate;
    }

    public static TestCa root(String commonName) throws Exception {
        KeyPair keys = ecKeys();
        X500Name name = new X500Name("CN=" + commonName + ",O=Test PKI,C=VN");
        return new TestCa(name, keys, sign(keys, name, name, keys.getPublic(), true, Duration.ofDays(3650)));
    }

    /** A subordinate CA issued by this one. */
    public TestCa intermediate(String commonName) throws Exception {
        KeyPair subKeys = ecKeys();
        X500Name subName = new X500Name("CN=" + commonName + ",O=Test PKI,C=VN");
        return new TestCa(subName, subKeys, sign(keys, name, subName, subKeys.getPublic(), true, Duration.ofDays(1825)));
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** Issues an end-entity certificate for the request after checking its signature. */
    public X509Certificate issue(String csrPem) throws Exception {
        PKCS10CertificationRequest csr;
        try (PEMParser parser = new PEMParser(new StringReader(csrPem))) {
            csr = (PKCS10CertificationRequest) parser.readObject();
        }
        JcaPKCS10CertificationRequest request = new JcaPKCS10CertificationRequest(csr);
        if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(request.getPublicKey()))) {
            throw new IllegalArgumentException("the request's signature does not verify");
        }
        return issue(csr.getSubject(), request.getPublicKey());
    }

    /** Issues an end-entity certificate for any key and subject. */
    public X509Certificate issue(X500Name subject, PublicKey publicKey) throws Exception {
        return sign(keys, name, subject, publicKey, false, Duration.ofDays(365));
    }

    /** Issues an end-entity certificate valid for {@code validity} from now (an hour back-dated). */
    public X509Certificate issue(X500Name subject, PublicKey publicKey, Duration validity) throws Exception {
        return sign(keys, name, subject, publicKey, false, validity);
    }

    public static String pem(List<X509Certificate> certificates) throws Exception {
        StringBuilder pem = new StringBuilder();
        for (X509Certificate c : certificates) {
            pem.append("-----BEGIN CERTIFICATE-----\n")
                    .append(Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(c.getEncoded()))
                    .append("\n-----END CERTIFICATE-----\n");
        }
        return pem.toString();
    }

    public static KeyPair ecKeys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(KeyPair issuerKeys, X500Name issuer, X500Name subject, PublicKey subjectKey,
                                        boolean ca, Duration validity) throws Exception {
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                new BigInteger(64, new SecureRandom()).add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(validity)), subject, subjectKey);
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        builder.addExtension(Extension.keyUsage, true, ca
                ? new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)
                : new KeyUsage(KeyUsage.digitalSignature | KeyUsage.nonRepudiation));
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    }
}
