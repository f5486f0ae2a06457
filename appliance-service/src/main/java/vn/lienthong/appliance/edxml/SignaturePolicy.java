package vn.lienthong.appliance.edxml;

import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.xml.crypto.dsig.CanonicalizationMethod;
import javax.xml.crypto.dsig.DigestMethod;
import javax.xml.crypto.dsig.SignatureMethod;
import javax.xml.crypto.dsig.Transform;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * What an incoming edXML's XMLDSig may use, checked on its elements before the JDK's XMLDSig reads
 * them: the enveloped-signature transform and C14N only (no XSLT, XPath, base64 or any other
 * transform), a Reference to the whole document only ({@code URI=""}), RSA or ECDSA with SHA-2 (or
 * SHA-1, reported so that the caller can refuse or mark it), keys of at least the JDK's secure
 * validation sizes, and the JDK's counts of references and transforms. The JDK's secure validation
 * refuses SHA-1 with no way to admit it alone, so where SHA-1 is accepted this class is what still
 * holds the rest of that policy.
 */
final class SignaturePolicy {

    /** C14N 1.0, 1.1 and exclusive, with and without comments (XMLDSig 1.1 §6.5). */
    private static final Set<String> CANONICALIZATIONS = Set.of(
            CanonicalizationMethod.INCLUSIVE, CanonicalizationMethod.INCLUSIVE_WITH_COMMENTS,
            "http://www.w3.org/2006/12/xml-c14n11", "http://www.w3.org/2006/12/xml-c14n11#WithComments",
            CanonicalizationMethod.EXCLUSIVE, CanonicalizationMethod.EXCLUSIVE_WITH_COMMENTS);
    private static final Set<String> SHA1_SIGNATURES = Set.of(SignatureMethod.RSA_SHA1, SignatureMethod.ECDSA_SHA1);
    private static final Set<String> SIGNATURES = Set.of(
            SignatureMethod.RSA_SHA256, SignatureMethod.RSA_SHA384, SignatureMethod.RSA_SHA512,
            SignatureMethod.ECDSA_SHA256, SignatureMethod.ECDSA_SHA384, SignatureMethod.ECDSA_SHA512);
    private static final Set<String> DIGESTS = Set.of(DigestMethod.SHA256, DigestMethod.SHA384, DigestMethod.SHA512);
    // The limits of the JDK's jdk.xml.dsig.secureValidationPolicy (java.security).
    private static final int MAX_REFERENCES = 30;
    private static final int MAX_TRANSFORMS = 5;
    private static final int MIN_RSA_BITS = 1024;
    private static final int MIN_EC_BITS = 224;

    /** What the policy found: a refusal in one plain sentence, or whether SHA-1 is used. */
    record Verdict(Optional<String> refusal, boolean sha1) {
    }

    private SignaturePolicy() {
    }

    /** Checks the algorithms, references, transforms and KeyInfo of a {@code ds:Signature} element. */
    static Verdict check(Element signature) {
        Element signedInfo = child(signature, "SignedInfo");
        if (signedInfo == null) {
            return refuse("the signature has no SignedInfo");
        }
        String c14n = algorithm(child(signedInfo, "CanonicalizationMethod"));
        if (!CANONICALIZATIONS.contains(c14n)) {
            return refuse("the canonicalization " + c14n + " is not allowed (C14N only)");
        }
        String method = algorithm(child(signedInfo, "SignatureMethod"));
        boolean sha1 = SHA1_SIGNATURES.contains(method);
        if (!sha1 && !SIGNATURES.contains(method)) {
            return refuse("the signature method " + method + " is not allowed (RSA or ECDSA with SHA-2)");
        }
        List<Element> references = children(signedInfo, "Reference");
        if (references.isEmpty() || references.size() > MAX_REFERENCES) {
            return refuse("the signature has " + references.size() + " references (1 to " + MAX_REFERENCES + " allowed)");
        }
        for (Element reference : references) {
            if (!reference.hasAttribute("URI") || !reference.getAttribute("URI").isEmpty()) {
                return refuse("the signature does not cover the whole message (Reference URI is not \"\")");
            }
            Element transforms = child(reference, "Transforms");
            List<Element> each = transforms == null ? List.of() : children(transforms, "Transform");
            if (each.size() > MAX_TRANSFORMS) {
                return refuse("a reference has " + each.size() + " transforms (at most " + MAX_TRANSFORMS + ")");
            }
            for (Element transform : each) {
                String name = algorithm(transform);
                if (!Transform.ENVELOPED.equals(name) && !CANONICALIZATIONS.contains(name)) {
                    return refuse("the transform " + name + " is not allowed (enveloped-signature and C14N only)");
                }
            }
            String digest = algorithm(child(reference, "DigestMethod"));
            if (DigestMethod.SHA1.equals(digest)) {
                sha1 = true;
            } else if (!DIGESTS.contains(digest)) {
                return refuse("the digest method " + digest + " is not allowed (SHA-2)");
            }
        }
        Element keyInfo = child(signature, "KeyInfo");
        if (keyInfo != null) {
            for (Element item : children(keyInfo, null)) {
                // Only the certificates are read; a RetrievalMethod would make the verifier fetch or loop.
                if (!"X509Data".equals(item.getLocalName()) && !"KeyName".equals(item.getLocalName())) {
                    return refuse("KeyInfo may hold X509Data only, not " + item.getLocalName());
                }
            }
        }
        return new Verdict(Optional.empty(), sha1);
    }

    /** A refusal for a key shorter than the JDK's secure validation allows, else empty. */
    static Optional<String> keySizeRefusal(PublicKey key) {
        if (key instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() < MIN_RSA_BITS) {
            return Optional.of("the signer's RSA key has " + rsa.getModulus().bitLength() + " bits (at least "
                    + MIN_RSA_BITS + ")");
        }
        if (key instanceof ECPublicKey ec && ec.getParams().getOrder().bitLength() < MIN_EC_BITS) {
            return Optional.of("the signer's EC key has " + ec.getParams().getOrder().bitLength() + " bits (at least "
                    + MIN_EC_BITS + ")");
        }
        return Optional.empty();
    }

    private static Verdict refuse(String reason) {
        return new Verdict(Optional.of(reason), false);
    }

    private static String algorithm(Element element) {
        return element == null ? "(none)" : element.getAttribute("Algorithm");
    }

    private static Element child(Element parent, String localName) {
        List<Element> found = children(parent, localName);
        return found.isEmpty() ? null : found.getFirst();
    }

    /** The XMLDSig child elements of {@code parent} named {@code localName} (any name when null). */
    private static List<Element> children(Element parent, String localName) {
        List<Element> found = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && EdxmlTreeBuilder.XMLDSIG_NAMESPACE.equals(e.getNamespaceURI())
                    && (localName == null || localName.equals(e.getLocalName()))) {
                found.add(e);
            }
        }
        return found;
    }
}
