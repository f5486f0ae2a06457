package vn.lienthong.appliance.edxml;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import javax.xml.crypto.dsig.CanonicalizationMethod;
import javax.xml.crypto.dsig.DigestMethod;
import javax.xml.crypto.dsig.Reference;
import javax.xml.crypto.dsig.SignatureMethod;
import javax.xml.crypto.dsig.SignedInfo;
import javax.xml.crypto.dsig.Transform;
import javax.xml.crypto.dsig.XMLSignatureFactory;
import javax.xml.crypto.dsig.dom.DOMSignContext;
import javax.xml.crypto.dsig.keyinfo.KeyInfoFactory;
import javax.xml.crypto.dsig.spec.C14NMethodParameterSpec;
import javax.xml.crypto.dsig.spec.TransformParameterSpec;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;

/**
 * Signs an edXML message as a document system does with a software key, by the JDK's XMLDSig, in
 * edXMLHeader: an enveloped XMLDSig with RSA-SHA1 and a SHA-1 digest as older systems make, or with
 * the algorithms and further transforms a test chooses (the JDK signs with any of them).
 */
public final class SoftwareKeySigning {

    private SoftwareKeySigning() {
    }

    /** A fresh software RSA key pair (the JDK refuses nothing about SHA-1 when signing). */
    public static KeyPair rsaKeyPair() throws Exception {
        return rsaKeyPair(2048);
    }

    /** A fresh software RSA key pair of {@code bits} bits. */
    public static KeyPair rsaKeyPair(int bits) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(bits);
        return generator.generateKeyPair();
    }

    /** The message with an RSA-SHA1 signature by {@code key}, whose certificate goes in KeyInfo/X509Data. */
    public static byte[] sign(byte[] edxml, PrivateKey key, X509Certificate certificate) throws Exception {
        return sign(edxml, key, certificate, SignatureMethod.RSA_SHA1, DigestMethod.SHA1, List.of());
    }

    /**
     * The message signed with {@code signatureMethod} and {@code digestMethod}, its one Reference
     * ({@code URI=""}) transformed by enveloped-signature and then by each of {@code moreTransforms},
     * made by the factory given.
     */
    public static byte[] sign(byte[] edxml, PrivateKey key, X509Certificate certificate, String signatureMethod,
                              String digestMethod, List<Function<XMLSignatureFactory, Transform>> moreTransforms)
            throws Exception {
        Document document = XmlSignature.parse(edxml);
        XMLSignatureFactory factory = XMLSignatureFactory.getInstance("DOM");
        List<Transform> transforms = new ArrayList<>();
        transforms.add(factory.newTransform(Transform.ENVELOPED, (TransformParameterSpec) null));
        moreTransforms.forEach(t -> transforms.add(t.apply(factory)));
        Reference reference = factory.newReference("", factory.newDigestMethod(digestMethod, null), transforms,
                null, null);
        SignedInfo signedInfo = factory.newSignedInfo(
                factory.newCanonicalizationMethod(CanonicalizationMethod.INCLUSIVE, (C14NMethodParameterSpec) null),
                factory.newSignatureMethod(signatureMethod, null), List.of(reference));
        KeyInfoFactory keyInfos = factory.getKeyInfoFactory();
        factory.newXMLSignature(signedInfo, keyInfos.newKeyInfo(List.of(keyInfos.newX509Data(
                        List.of(certificate.getSubjectX500Principal().getName(), certificate)))))
                .sign(new DOMSignContext(key, XmlSignature.header(document)));
        StringWriter out = new StringWriter();
        TransformerFactory.newInstance().newTransformer().transform(new DOMSource(document), new StreamResult(out));
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }
}
