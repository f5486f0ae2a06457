package vn.lienthong.hsm.testing;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * A certificate authority in software for tests (the real one is the Government Cipher
 * Committee's): a root or intermediate with an EC P-256 key that issues certificates from CSRs or
 * public keys, with the validity a test asks for.
 */
public final class TestCertificateAuthority {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyPair keyPair;
    private final List<X509Certificate> chain;

    private TestCertificateAuthority(KeyPair keyPair, List<X509Certificate> chain) {
        this.keyPair = keyPair;
        this.chain = List.copyOf(chain);
    }

    /** A self-signed root CA valid from a year ago for ten years. */
    public static TestCertificateAuthority root(String commonName) {
        KeyPair pair = newKeyPair();
        X500Principal name = new X500Principal("CN=" + commonName + ",O=lienthong test,C=VN");
        X509Certificate certificate = build(name, pair.getPublic(), name, pair, true,
                Instant.now().minus(Duration.ofDays(365)), Instant.now().plus(Duration.ofDays(3650)));
        return new TestCertificateAuthority(pair, List.of(certificate));
    }

    /** An intermediate CA issued by this one, with the same long validity. */
    public TestCertificateAuthority intermediate(String commonName) {
        KeyPair pair = newKeyPair();
        X500Principal name = new X500Principal("CN=" + commonName + ",O=lienthong test,C=VN");
        X509Certificate certificate = build(name, pair.getPublic(), certificate().getSubjectX500Principal(),
                keyPair, true, Instant.now().minus(Duration.ofDays(300)), Instant.now().plus(Duration.ofDays(3000)));
        List<X509Certificate> intermediateChain = new ArrayList<>();
        intermediateChain.add(certificate);
        intermediateChain.addAll(chain);
        return new TestCertificateAuthority(pair, intermediateChain);
    }

    /** This CA's own certificate. */
    public X509Certificate certificate() {
        return chain.getFirst();
    }

    /** This CA's certificate followed by its issuers' up to the root. */
    public List<X509Certificate> chain() {
        return chain;
    }

    /** The full chain of a certificate this CA issued: the leaf, then this CA's chain. */
    public List<X509Certificate> chainOf(X509Certificate leaf) {
        List<X509Certificate> full = new ArrayList<>();
        full.add(leaf);
        full.addAll(chain);
        return full;
    }

    /** An end-entity certificate for the CSR's subject and key (and its subjectAltName), valid 30 days. */
    public X509Certificate issue(String csrPem) {
        return issue(csrPem, Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(30)));
    }

    /** An end-entity certificate for the CSR's subject and key (and its subjectAltName). */
    public X509Certificate issue(String csrPem, Instant notBefore, Instant notAfter) {
        try (PEMParser parser = new PEMParser(new StringReader(csrPem))) {
            var request = new JcaPKCS10CertificationRequest((PKCS10CertificationRequest) parser.readObject());
            Extension altNames = null;
            for (var attribute : request.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
                altNames = Extensions.getInstance(attribute.getAttrValues().getObjectAt(0))
                        .getExtension(Extension.subjectAlternativeName);
            }
            return build(new X500Principal(request.getSubject().getEncoded()), request.getPublicKey(),
                    certificate().getSubjectX500Principal(), keyPair, false, notBefore, notAfter, altNames);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An end-entity certificate for a public key, with the subject and validity given. */
    public X509Certificate issue(String subjectDn, PublicKey publicKey, Instant notBefore, Instant notAfter) {
        return build(new X500Principal(subjectDn), publicKey, certificate().getSubjectX500Principal(), keyPair,
                false, notBefore, notAfter);
    }

    /** A CRL of this CA, listing {@code revoked} as revoked at {@code thisUpdate}. */
    public java.security.cert.X509CRL crl(Instant thisUpdate, Instant nextUpdate, X509Certificate... revoked) {
        return crl(certificate(), keyPair.getPrivate(), thisUpdate, nextUpdate, revoked);
    }

    /** A CRL signed with {@code issuerKey} in the name of {@code issuer} (any CA's, such as the demo CA's). */
    public static java.security.cert.X509CRL crl(X509Certificate issuer, java.security.PrivateKey issuerKey,
                                                 Instant thisUpdate, Instant nextUpdate, X509Certificate... revoked) {
        try {
            var builder = new org.bouncycastle.cert.X509v2CRLBuilder(
                    org.bouncycastle.asn1.x500.X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded()),
                    Date.from(thisUpdate));
            builder.setNextUpdate(Date.from(nextUpdate));
            for (X509Certificate certificate : revoked) {
                builder.addCRLEntry(certificate.getSerialNumber(), Date.from(thisUpdate),
                        org.bouncycastle.asn1.x509.CRLReason.superseded);
            }
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(issuer.getPublicKey()));
            var signer = new JcaContentSignerBuilder(issuerKey.getAlgorithm().equals("EC") ? "SHA256withECDSA"
                    : "SHA256withRSA").build(issuerKey);
            return new org.bouncycastle.cert.jcajce.JcaX509CRLConverter().getCRL(builder.build(signer));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * An end-entity certificate with the keyUsage bits given (BC {@link KeyUsage} constants; 0 for no
     * keyUsage extension), the extended key usages given (none for no extension), and a CRL
     * distribution point when {@code crlUrl} is not null.
     */
    public X509Certificate issue(String subjectDn, PublicKey publicKey, int keyUsage, String crlUrl,
                                 org.bouncycastle.asn1.x509.KeyPurposeId... extendedKeyUsage) {
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate().getSubjectX500Principal(),
                    new BigInteger(63, RANDOM).add(BigInteger.ONE), Date.from(Instant.now().minus(Duration.ofHours(1))),
                    Date.from(Instant.now().plus(Duration.ofDays(30))), new X500Principal(subjectDn), publicKey);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            if (keyUsage != 0) {
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
            }
            if (extendedKeyUsage.length > 0) {
                builder.addExtension(Extension.extendedKeyUsage, false,
                        new org.bouncycastle.asn1.x509.ExtendedKeyUsage(extendedKeyUsage));
            }
            if (crlUrl != null) {
                var name = new org.bouncycastle.asn1.x509.GeneralNames(new org.bouncycastle.asn1.x509.GeneralName(
                        org.bouncycastle.asn1.x509.GeneralName.uniformResourceIdentifier, crlUrl));
                builder.addExtension(Extension.cRLDistributionPoints, false,
                        new org.bouncycastle.asn1.x509.CRLDistPoint(new org.bouncycastle.asn1.x509.DistributionPoint[] {
                                new org.bouncycastle.asn1.x509.DistributionPoint(
                                        new org.bouncycastle.asn1.x509.DistributionPointName(name), null, null)}));
            }
            var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A fresh EC P-256 key pair in software, for end entities that need no HSM. */
    public static KeyPair newKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate build(X500Principal subject, PublicKey publicKey, X500Principal issuer,
                                         KeyPair issuerKeys, boolean ca, Instant notBefore, Instant notAfter) {
        return build(subject, publicKey, issuer, issuerKeys, ca, notBefore, notAfter, null);
    }

    private static X509Certificate build(X500Principal subject, PublicKey publicKey, X500Principal issuer,
                                         KeyPair issuerKeys, boolean ca, Instant notBefore, Instant notAfter,
                                         Extension altNames) {
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                    new BigInteger(63, RANDOM).add(BigInteger.ONE), Date.from(notBefore), Date.from(notAfter),
                    subject, publicKey);
            var extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.keyUsage, true, ca
                    ? new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)
                    : new KeyUsage(KeyUsage.digitalSignature | KeyUsage.nonRepudiation));
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensions.createSubjectKeyIdentifier(publicKey));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    extensions.createAuthorityKeyIdentifier(issuerKeys.getPublic()));
            if (altNames != null) {
                builder.addExtension(altNames);
            }
            var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }
}
