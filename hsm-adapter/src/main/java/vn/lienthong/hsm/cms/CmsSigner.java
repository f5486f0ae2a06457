package vn.lienthong.hsm.cms;

import java.io.IOException;
import java.security.Provider;
import java.security.cert.CertificateEncodingException;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.RuntimeOperatorException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import vn.lienthong.hsm.HsmException;
import vn.lienthong.hsm.token.TokenKey;

/**
 * Makes detached CMS SignedData (RFC 5652) over content, signed with a token key through Bouncy
 * Castle, the key's certificate chain included, so that {@code openssl cms -verify} can check it.
 * Safe for many threads.
 */
public final class CmsSigner {
    private final Provider tokenProvider;
    /**
     * Digests of the content are computed in software: they are not secret, and the token then
     * signs only the small signed-attributes structure.
     */
    private final DigestCalculatorProvider digests;

    /** The token provider that performs the signature. */
    public CmsSigner(Provider tokenProvider) {
        this.tokenProvider = tokenProvider;
        try {
            this.digests = new JcaDigestCalculatorProviderBuilder().build();
        } catch (OperatorCreationException e) {
            throw new HsmException("this JDK offers no SHA-256 digest for CMS signatures", e);
        }
    }

    /**
     * DER-encoded ContentInfo(SignedData) without encapsulated content: one SignerInfo identified
     * by issuer and serial number, with the signed attributes content-type, message-digest and
     * signing-time (RFC 5652 §5.3, §11), signed with the key's default algorithm.
     */
    public byte[] signDetached(TokenKey key, byte[] content) {
        String algorithm = key.defaultSignatureAlgorithm().jcaName();
        try {
            var signer = new JcaContentSignerBuilder(algorithm).setProvider(tokenProvider).build(key.privateKey());
            var signerInfo = new JcaSignerInfoGeneratorBuilder(digests).build(signer, key.certificate());
            CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
            generator.addSignerInfoGenerator(signerInfo);
            generator.addCertificates(new JcaCertStore(key.chain()));
            return generator.generate(new CMSProcessableByteArray(content), false).getEncoded(ASN1Encoding.DER);
        } catch (OperatorCreationException | RuntimeOperatorException | CMSException | IOException
                 | CertificateEncodingException e) {
            throw new HsmException("cannot make a CMS signature with key '" + key.alias() + "' (" + algorithm
                    + "): " + HsmException.rootMessage(e), e);
        }
    }
}
