package vn.lienthong.appliance.edxml;

import java.security.Key;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.xml.crypto.AlgorithmMethod;
import javax.xml.crypto.KeySelector;
import javax.xml.crypto.KeySelectorException;
import javax.xml.crypto.KeySelectorResult;
import javax.xml.crypto.XMLCryptoContext;
import javax.xml.crypto.dsig.Reference;
import javax.xml.crypto.dsig.XMLSignature;
import javax.xml.crypto.dsig.XMLSignatureFactory;
import javax.xml.crypto.dsig.dom.DOMValidateContext;
import javax.xml.crypto.dsig.keyinfo.KeyInfo;
import javax.xml.crypto.dsig.keyinfo.X509Data;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import vn.lienthong.appliance.envelope.OrganBinding;
import vn.lienthong.hsm.trust.CertificateRejectedException;
import vn.lienthong.hsm.trust.CertificateRevokedException;
import vn.lienthong.hsm.trust.CertificateUsage;
import vn.lienthong.hsm.trust.ChainValidator;
import vn.lienthong.hsm.trust.RevocationCheck;

/**
 * Verifies the XMLDSig an incoming edXML message carries: the signature itself, the signer's chain
 * to the appliance's trust anchors, and that the signer is the message's From organ. SHA-1
 * signatures are accepted only when the appliance is configured to, and then marked weak.
 */
public final class XmlSignatureCheck {

    /** What the check found; {@link #header()} is how the recipient's document system is told. */
    public sealed interface Result {
        String header();
    }

    /** The message carries no XMLDSig. */
    public record Unsigned() implements Result {
        public String header() {
            return "none";
        }
    }

    /** A valid signature by the From organ's certificate, chained to a trust anchor; {@code weak} for SHA-1. */
    public record Valid(String signer, boolean weak) implements Result {
        public String header() {
            return "valid; signer=\"" + signer.replace("\"", "'") + "\"" + (weak ? "; weak=sha1" : "");
        }
    }

    /** A signature that does not hold, with the reason in one plain sentence. */
    public record Invalid(String reason) implements Result {
        public String header() {
            return "invalid; reason=\"" + reason.replace("\"", "'").replaceAll("\\p{Cntrl}", " ") + "\"";
        }
    }

    private XmlSignatureCheck() {
    }

    public static Result check(byte[] xml, Collection<X509Certificate> anchors, Instant at, boolean acceptSha1) {
        return check(xml, anchors, RevocationCheck.NONE, at, acceptSha1);
    }

    /** As above, each certificate of the signer's chain also checked against the CRLs held. */
    public static Result check(byte[] xml, Collection<X509Certificate> anchors, RevocationCheck revocations,
                               Instant at, boolean acceptSha1) {
        Document document;
        Element signature;
        try {
            document = XmlSignature.parse(xml);
            signature = signatureElement(XmlSignature.header(document));
        } catch (EdxmlRejectedException e) {
            return new Invalid("the message cannot be read: " + e.getMessage());
        }
        if (signature == null) {
            return new Unsigned();
        }
        if (!EdxmlTreeBuilder.XMLDSIG_NAMESPACE.equals(signature.getNamespaceURI())) {
            return new Invalid("the Signature element is not in the XMLDSig namespace");
        }
        List<X509Certificate> chain = new ArrayList<>();
        try {
            DOMValidateContext context = new DOMValidateContext(new KeySelector() {
                @Override
                public KeySelectorResult select(KeyInfo keyInfo, Purpose purpose, AlgorithmMethod method,
                                                XMLCryptoContext ctx) throws KeySelectorException {
                    if (keyInfo != null) {
                        for (Object item : keyInfo.getContent()) {
                            if (item instanceof X509Data data) {
                                for (Object o : data.getContent()) {
                                    if (o instanceof X509Certificate c) {
                                        chain.add(c);
                                    }
                                }
                            }
                        }
                    }
                    if (chain.isEmpty()) {
                        throw new KeySelectorException("KeyInfo/X509Data holds no certificate");
                    }
                    Key key = chain.getFirst().getPublicKey();
                    return () -> key;
                }
            }, signature);
            String method = ((Element) signature.getElementsByTagNameNS(EdxmlTreeBuilder.XMLDSIG_NAMESPACE,
                    "SignatureMethod").item(0)).getAttribute("Algorithm");
            boolean sha1 = method.toLowerCase(java.util.Locale.ROOT).contains("sha1") || sha1Digest(signature);
            if (sha1 && !acceptSha1) {
                return new Invalid("the signature uses SHA-1, which this appliance does not accept");
            }
            // The JDK's secure validation refuses SHA-1 outright; it is relaxed only when SHA-1 is accepted.
            context.setProperty("org.jcp.xml.dsig.secureValidation", !sha1);
            XMLSignature xmlSignature = XMLSignatureFactory.getInstance("DOM").unmarshalXMLSignature(context);
            for (Object r : xmlSignature.getSignedInfo().getReferences()) {
                if (!"".equals(((Reference) r).getURI())) {
                    return new Invalid("the signature does not cover the whole message (Reference URI is not \"\")");
                }
            }
            if (!xmlSignature.validate(context)) {
                return new Invalid("the XML signature does not match the message");
            }
            ChainValidator.validate(chain, anchors, revocations, at);
            java.util.Optional<String> usage = CertificateUsage.signingProblem(chain.getFirst());
            if (usage.isPresent()) {
                return new Invalid("the signer " + usage.get());
            }
            String from = EdxmlMessage.parse(xml).from().organId();
            if (!OrganBinding.isBound(chain.getFirst(), from)) {
                return new Invalid("the signer " + chain.getFirst().getSubjectX500Principal().getName()
                        + " is not the From organ " + from);
            }
            return new Valid(chain.getFirst().getSubjectX500Principal().getName(),
                    sha1);
        } catch (CertificateRevokedException e) {
            return new Invalid("the signer's certificate is revoked: " + e.getMessage());
        } catch (CertificateRejectedException e) {
            return new Invalid("the signer's certificate is not trusted: " + e.getMessage());
        } catch (EdxmlRejectedException e) {
            return new Invalid("the message cannot be read: " + e.getMessage());
        } catch (Exception e) {
            return new Invalid("the XML signature cannot be checked: " + EdxmlReader.shorten(String.valueOf(e.getMessage())));
        }
    }

    /** Whether a Reference is digested with SHA-1 (as weak as a SHA-1 signature method). */
    private static boolean sha1Digest(Element signature) {
        org.w3c.dom.NodeList digests = signature.getElementsByTagNameNS(EdxmlTreeBuilder.XMLDSIG_NAMESPACE,
                "DigestMethod");
        for (int i = 0; i < digests.getLength(); i++) {
            if (((Element) digests.item(i)).getAttribute("Algorithm").toLowerCase(java.util.Locale.ROOT)
                    .endsWith("#sha1")) {
                return true;
            }
        }
        return false;
    }

    private static Element signatureElement(Element header) {
        for (Node n = header.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && "Signature".equals(e.getLocalName())) {
                return e;
            }
        }
        return null;
    }
}
