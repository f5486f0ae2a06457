package vn.lienthong.hsm.token;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import vn.lienthong.hsm.HsmException;

/**
 * The self-signed certificate stored with a new key until the real one is imported. SunPKCS11's key
 * store lists a private key only when a certificate shares its CKA_ID, so a key needs one at once.
 */
final class PlaceholderCertificate {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration VALIDITY = Duration.ofDays(365);

    private PlaceholderCertificate() {
    }

    /** Subject and issuer {@code CN=<alias>}, signed in the token by the new key itself. */
    static X509Certificate selfSigned(String alias, KeyPair pair, String signatureAlgorithm, Provider provider) {
        try {
            return selfSigned(alias, pair.getPublic(), new JcaContentSignerBuilder(signatureAlgorithm)
                    .setProvider(provider)
                    .build(pair.getPrivate()));
        } catch (OperatorCreationException e) {
            throw new HsmException("cannot make the placeholder certificate for key '" + alias + "': "
                    + e.getMessage(), e);
        }
    }

    /** The same, signed by {@code signer} (e.g. a signature made directly through PKCS#11). */
    static X509Certificate selfSigned(String alias, java.security.PublicKey publicKey, ContentSigner signer) {
        Instant now = Instant.now();
        var name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, alias).build();
        try {
            var builder = new JcaX509v3CertificateBuilder(name, new BigInteger(63, RANDOM).add(BigInteger.ONE),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(VALIDITY)), name,
                    publicKey);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (CertIOException | CertificateException e) {
            throw new HsmException("cannot make the placeholder certificate for key '" + alias + "': "
                    + e.getMessage(), e);
        }
    }
}
