package vn.lienthong.appliance.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
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
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;

/** A software certificate authority made in a test, issuing TLS certificates for keys held anywhere (HSM or not). */
public final class TestPki {

    /** What a leaf certificate is for. */
    public enum Role { SERVER_AND_CLIENT, CLIENT }

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private final KeyPair caKey;
    private final X509Certificate caCertificate;

    private TestPki(KeyPair caKey, X509Certificate caCertificate) {
        this.caKey = caKey;
        this.caCertificate = caCertificate;
    }

    /** A new root CA with an EC P-256 key, valid from an hour ago for a day. */
    public static TestPki create(String name) {
        KeyPair key = ecKey();
        Instant now = Instant.now();
        X500Name subject = new X500Name("CN=" + name + ",O=lienthong test");
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject,
                    key.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key.getPublic()));
            return new TestPki(key, sign(builder, key));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public X509Certificate certificate() {
        return caCertificate;
    }

    /** A TLS certificate for {@code key}, naming localhost and 127.0.0.1, valid from an hour ago for a day. */
    public X509Certificate issue(PublicKey key, String commonName, Role role) {
        Instant now = Instant.now();
        return issue(key, commonName, role, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)));
    }

    public X509Certificate issue(PublicKey key, String commonName, Role role, Instant notBefore, Instant notAfter) {
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(caCertificate, serial(),
                    Date.from(notBefore), Date.from(notAfter), new X500Name("CN=" + commonName + ",O=lienthong test"),
                    key);
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, role == Role.CLIENT
                    ? new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth)
                    : new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    ext.createAuthorityKeyIdentifier(caCertificate));
            builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key));
            return sign(builder, caKey);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Generates a key in the token and stores beside it a certificate from this CA (chain: leaf, root). */
    public TokenKey issueInToken(Token token, String alias, KeyAlgorithm algorithm, String commonName, Role role) {
        TokenKey generated = token.generateKey(alias, algorithm);
        return token.storeChain(alias, List.of(issue(generated.publicKey(), commonName, role), caCertificate));
    }

    /** A software key with a certificate from this CA, as a client that holds no HSM would have. */
    public TokenKey softwareKey(String commonName, Role role) {
        KeyPair key = ecKey();
        return new TokenKey(commonName, key.getPrivate(), key.getPublic(),
                List.of(issue(key.getPublic(), commonName, role), caCertificate));
    }

    /** Writes a software key (PKCS#8) and its chain as PEM files for openssl; returns [key, chain]. */
    public static List<Path> writePem(TokenKey softwareKey, Path dir) {
        try {
            Path key = dir.resolve(softwareKey.alias() + ".key.pem");
            Path chain = dir.resolve(softwareKey.alias() + ".chain.pem");
            Files.writeString(key, pem("PRIVATE KEY", softwareKey.privateKey().getEncoded()));
            List<String> certs = new ArrayList<>();
            for (X509Certificate c : softwareKey.chain()) {
                certs.add(pem("CERTIFICATE", c.getEncoded()));
            }
            Files.writeString(chain, String.join("", certs));
            return List.of(key, chain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static KeyPair ecKey() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer)
            throws GeneralSecurityException {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }
}
