package vn.lienthong.appliance.edxml;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.crypto.MarshalException;
import javax.xml.crypto.dsig.CanonicalizationMethod;
import javax.xml.crypto.dsig.DigestMethod;
import javax.xml.crypto.dsig.Reference;
import javax.xml.crypto.dsig.SignatureMethod;
import javax.xml.crypto.dsig.SignedInfo;
import javax.xml.crypto.dsig.Transform;
import javax.xml.crypto.dsig.XMLSignatureException;
import javax.xml.crypto.dsig.XMLSignatureFactory;
import javax.xml.crypto.dsig.dom.DOMSignContext;
import javax.xml.crypto.dsig.keyinfo.KeyInfo;
import javax.xml.crypto.dsig.keyinfo.KeyInfoFactory;
import javax.xml.crypto.dsig.spec.C14NMethodParameterSpec;
import javax.xml.crypto.dsig.spec.TransformParameterSpec;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;
import vn.lienthong.hsm.token.TokenKey;

/**
 * The organisation's enveloped XML signature (XMLDSig) on an edXML message, made with the tenant's
 * HSM key where QCVN 102:2016 puts it: in edXMLHeader after TraceHeaderList, with
 * KeyInfo/X509Data (subject name and certificates). RSA-SHA256 or ECDSA-SHA256, SHA-256 digest,
 * C14N 1.0, so that {@code xmlsec1 --verify --trusted-pem root.pem} accepts it.
 */
public final class XmlSignature {

    private XmlSignature() {
    }

    /**
     * Signs a message the parser accepted.
     *
     * @throws IllegalStateException when the HSM or the XML machinery fails
     */
    public static byte[] sign(byte[] xml, TokenKey key) {
        Document document = parse(xml);
        Element header = header(document);
        try {
            XMLSignatureFactory factory = XMLSignatureFactory.getInstance("DOM");
            Reference reference = factory.newReference("", factory.newDigestMethod(DigestMethod.SHA256, null),
                    List.of(factory.newTransform(Transform.ENVELOPED, (TransformParameterSpec) null)), null, null);
            String method = "EC".equals(key.publicKey().getAlgorithm()) ? SignatureMethod.ECDSA_SHA256
                    : SignatureMethod.RSA_SHA256;
            SignedInfo signedInfo = factory.newSignedInfo(
                    factory.newCanonicalizationMethod(CanonicalizationMethod.INCLUSIVE, (C14NMethodParameterSpec) null),
                    factory.newSignatureMethod(method, null), List.of(reference));
            KeyInfoFactory keyInfos = factory.getKeyInfoFactory();
            List<Object> x509 = new ArrayList<>();
            x509.add(key.certificate().getSubjectX500Principal().getName());
            // The chain up to (not including) the root, which the verifier must already trust.
            for (X509Certificate c : key.chain()) {
                if (!c.getSubjectX500Principal().equals(c.getIssuerX500Principal()) || key.chain().size() == 1) {
                    x509.add(c);
                }
            }
            KeyInfo keyInfo = keyInfos.newKeyInfo(List.of(keyInfos.newX509Data(x509)));
            Node next = afterTraceHeaderList(header);
            DOMSignContext context = next == null ? new DOMSignContext(key.privateKey(), header)
                    : new DOMSignContext(key.privateKey(), header, next);
            if (key.provider() != null) {
                // The key lives in the token: sign with the token's provider, not the JDK's default.
                context.setProperty("org.jcp.xml.dsig.internal.dom.SignatureProvider", key.provider());
            }
            factory.newXMLSignature(signedInfo, keyInfo).sign(context);
        } catch (GeneralSecurityException | MarshalException | XMLSignatureException e) {
            throw new IllegalStateException("the XML signature could not be made: " + e.getMessage(), e);
        }
        return serialize(document);
    }

    /** The node the Signature goes before: whatever follows TraceHeaderList (null: append at the end). */
    private static Node afterTraceHeaderList(Element header) {
        for (Node n = header.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && EdxmlDocument.NAMESPACE.equals(e.getNamespaceURI())
                    && "TraceHeaderList".equals(e.getLocalName())) {
                return e.getNextSibling();
            }
        }
        return null;
    }

    static Element header(Document document) {
        Element root = document.getDocumentElement();
        Element envelope = child(root, "edXMLEnvelope");
        Element header = envelope == null ? null : child(envelope, "edXMLHeader");
        if (header == null) {
            throw new EdxmlRejectedException("edXML/edXMLEnvelope/edXMLHeader", "required", "edXMLHeader is missing");
        }
        return header;
    }

    private static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && EdxmlDocument.NAMESPACE.equals(e.getNamespaceURI())
                    && name.equals(e.getLocalName())) {
                return e;
            }
        }
        return null;
    }

    /** A DOM of a message, with the same refusals as the streaming parser (no DTD, no external anything). */
    static Document parse(byte[] xml) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newDefaultInstance();
            factory.setNamespaceAware(true);
            factory.setXIncludeAware(false);
            factory.setExpandEntityReferences(false);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(null);
            int start = EdxmlReader.strayPrefixLength(xml);
            return builder.parse(new ByteArrayInputStream(xml, start, xml.length - start));
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK XML parser does not support a required security feature", e);
        } catch (SAXException | IOException e) {
            throw new EdxmlRejectedException(null, "well-formed", "not well-formed XML: "
                    + EdxmlReader.shorten(String.valueOf(e.getMessage())), e);
        }
    }

    private static byte[] serialize(Document document) {
        try {
            TransformerFactory factory = TransformerFactory.newDefaultInstance();
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            Transformer transformer = factory.newTransformer();
            transformer.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            transformer.transform(new DOMSource(document), new StreamResult(out));
            return out.toByteArray();
        } catch (TransformerException e) {
            throw new IllegalStateException("the signed message could not be written: " + e.getMessage(), e);
        }
    }
}
