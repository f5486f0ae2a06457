package vn.lienthong.appliance.demo;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.openssl.PEMParser;

/**
 * The demo's certificate authority, standing in for the Government Cipher Committee's CA. Its own
 * key is a software key, kept in a file for OpenSSL: this is a demonstration, never a way to run a real CA. The
 * appliances' keys, by contrast, are generated in their HSM tokens and reach this CA only as CSRs.
 */
public final class DemoCa {

    /** What a certificate is for. */
    public enum Profile {
        /** A tenant's signing key: signatures and non-repudiation of documents and receipts. */
        SIGNING,
        /** An appliance's TLS identity: both server and client of mutual TLS. */
        TLS,
        /** A document system's client certificate for the local API. */
        DMS_CLIENT
    }

    private static final Duration VALIDITY = Duration.ofDays(365);
    private final SecureRandom random = new SecureRandom();
    private final KeyPair key;
    private final X509Certificate root;

    private DemoCa(KeyPair key, X509Certificate root) {
        this.key = key;
        this.root = root;
    }

    public static DemoCa create(String name) {
        KeyPair key = ecKeyPair();
        X500Name subject = new X500Name("CN=" + name + ",O=lienthong demo,C=VN");
        Instant now = Instant.now();
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, BigInteger.ONE,
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(VALIDITY.multipliedBy(5))),
                    subject, key.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(key.getPublic()));
            return new DemoCa(key, sign(builder, key.getPrivate()));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot create the demo CA: " + e.getMessage(), e);
        }
    }

    public X509Certificate root() {
        return root;
    }

    /** The CA's private key: the demo keeps it in {@code ca/root.key} so an operator can revoke with OpenSSL. */
    public PrivateKey privateKey() {
        return key.getPrivate();
    }

    /**
     * Writes the CA to {@code directory} as {@code openssl ca} uses it: {@code root.pem},
     * {@code root.key} (PEM PKCS#8, mode 600), {@code openssl.cnf}, an empty {@code index.txt} and
     * {@code crlnumber}; with them {@code openssl ca -config openssl.cnf -revoke CERT} and
     * {@code -gencrl -out crl.pem} revoke a demo certificate and make the CRL to import.
     */
    public void writeTo(Path directory) throws IOException {
        Files.createDirectories(directory);
        Files.writeString(directory.resolve("root.pem"), pem(root));
        Path keyFile = directory.resolve("root.key");
        Files.deleteIfExists(keyFile);
        Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyFile, pem(key.getPrivate()));
        Files.writeString(directory.resolve("index.txt"), "");
        Files.writeString(directory.resolve("crlnumber"), "01\n");
        Files.writeString(directory.resolve("openssl.cnf"), """
                # The lienthong demo CA: a stand-in for the Government CA, never a production CA.
                #   openssl ca -config openssl.cnf -revoke CERT.pem [-crl_reason keyCompromise]
                #   openssl ca -config openssl.cnf -gencrl -out crl.pem
                #   lienthong provision --config ../a/config.yaml crl import crl.pem
                [ ca ]
                default_ca = demo

                [ demo ]
                dir              = %s
                database         = $dir/index.txt
                crlnumber        = $dir/crlnumber
                certificate      = $dir/root.pem
                private_key      = $dir/root.key
                new_certs_dir    = $dir
                default_md       = sha256
                default_crl_days = 7
                unique_subject   = no
                """.formatted(directory.toAbsolutePath().normalize()));
    }

    /** Issues a certificate for the key in a PEM CSR, keeping the CSR's subject (after checking its signature). */
    public X509Certificate issue(String csrPem, Profile profile, List<String> dnsNames, List<String> ipAddresses) {
        try (PEMParser parser = new PEMParser(new StringReader(csrPem))) {
            PKCS10CertificationRequest csr = (PKCS10CertificationRequest) parser.readObject();
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(csr.getSubjectPublicKeyInfo()))) {
                throw new IllegalArgumentException("the CSR's signature does not verify");
            }
            PublicKey publicKey = new JcaPKCS10CertificationRequest(csr).getPublicKey();
            return issue(csr.getSubject(), publicKey, profile, dnsNames, ipAddresses);
        } catch (IOException | OperatorCreationException | PKCSException | GeneralSecurityException e) {
            throw new IllegalStateException("the demo CA cannot read the CSR: " + e.getMessage(), e);
        }
    }

    /** Issues a certificate for a public key (used for the document systems' software keys). */
    public X509Certificate issue(X500Name subject, PublicKey publicKey, Profile profile, List<String> dnsNames,
                                 List<String> ipAddresses) {
        Instant now = Instant.now();
        return issue(subject, publicKey, profile, dnsNames, ipAddresses, now.minus(Duration.ofMinutes(5)),
                now.plus(VALIDITY));
    }

    /** Issues a certificate valid from {@code notBefore} to {@code notAfter} (tests make expired ones). */
    public X509Certificate issue(X500Name subject, PublicKey publicKey, Profile profile, List<String> dnsNames,
                                 List<String> ipAddresses, Instant notBefore, Instant notAfter) {
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(root, new BigInteger(64, random),
                    Date.from(notBefore), Date.from(notAfter), subject, publicKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(root))
                    .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(publicKey));
            switch (profile) {
                case SIGNING -> builder.addExtension(Extension.keyUsage, true,
                        new KeyUsage(KeyUsage.digitalSignature | KeyUsage.nonRepudiation));
                case TLS -> builder
                        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                        .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                                new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
                case DMS_CLIENT -> builder
                        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                        .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            }
            List<GeneralName> names = new ArrayList<>();
            dnsNames.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
            for (String ip : ipAddresses) {
                names.add(new GeneralName(GeneralName.iPAddress, InetAddress.getByName(ip).getHostAddress()));
            }
            if (!names.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(names.toArray(GeneralName[]::new)));
            }
            return sign(builder, key.getPrivate());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("the demo CA cannot issue a certificate: " + e.getMessage(), e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey caKey)
            throws GeneralSecurityException {
        try {
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(caKey);
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    /** A software EC P-256 key pair (the CA's and the demo document systems' keys only). */
    public static KeyPair ecKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** PEM of certificates or a private key (PKCS#8). */
    public static String pem(Object... objects) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            for (Object o : objects) {
                writer.writeObject(o instanceof PrivateKey k ? new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(k, null) : o);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
