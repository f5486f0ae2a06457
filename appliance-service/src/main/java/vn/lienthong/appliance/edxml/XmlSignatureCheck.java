package vn.lienthong.appliance.edxml;

import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.xml.crypto.AlgorithmMethod;
import javax.xml.crypto.KeySelector;
import javax.xml.crypto.KeySelectorException;
import javax.xml.crypto.KeySelectorResult;
import javax.xml.crypto.XMLCryptoContext;
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

    /**
     * A valid signature by the From organ's certificate, chained to a trust anchor; {@code weak} for SHA-1.
     * The header gives the signer's subject as an RFC 8187 ext-value (UTF-8, percent-encoded), since
     * HTTP header values are ASCII and Vietnamese names are not, and the certificate's SHA-256 in hex.
     */
    public record Valid(String signer, String signerSha256, boolean weak) implements Result {
        public String header() {
            return "valid; signer*=UTF-8''" + extValue(signer) + "; signer-sha256=" + signerSha256
                    + (weak ? "; weak=sha1" : "");
        }
    }

    /** A signature that does not hold, with the reason in one plain sentence. */
    public record Invalid(String reason) implements Result {
        public String header() {
            String plain = reason.replaceAll("\\p{Cntrl}", " ");
            // A reason that names a signer may hold Vietnamese letters: then it too is an RFC 8187 ext-value.
            return plain.chars().allMatch(c -> c < 0x80)
                    ? "invalid; reason=\"" + plain.replace("\"", "'") + "\""
                    : "invalid; reason*=UTF-8''" + extValue(plain);
        }
    }

    /**
     * The RFC 8187 §3.2 value-chars of {@code text}: UTF-8, every byte but ALPHA, DIGIT and
     * {@code -._~} percent-encoded, so that any percent-decoder (URLDecoder included) reads it back.
     */
    static String extValue(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(HexFormat.of().withUpperCase().toHexDigits((byte) c));
            }
        }
        return out.toString();
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
            SignaturePolicy.Verdict verdict = SignaturePolicy.check(signature);
            if (verdict.refusal().isPresent()) {
                return new Invalid(verdict.refusal().get());
            }
            boolean sha1 = verdict.sha1();
            if (sha1 && !acceptSha1) {
                return new Invalid("the signature uses SHA-1, which this appliance does not accept");
            }
            // The JDK's secure validation refuses SHA-1 with no way to admit it alone: for an accepted
            // SHA-1 signature it is off, and SignaturePolicy (above) and the key size check (below)
            // hold the rest of its rules.
            context.setProperty("org.jcp.xml.dsig.secureValidation", !sha1);
            XMLSignature xmlSignature = XMLSignatureFactory.getInstance("DOM").unmarshalXMLSignature(context);
            if (!xmlSignature.validate(context)) {
                return new Invalid("the XML signature does not match the message");
            }
            Optional<String> shortKey = SignaturePolicy.keySizeRefusal(chain.getFirst().getPublicKey());
            if (shortKey.isPresent()) {
                return new Invalid(shortKey.get());
            }
            ChainValidator.validate(chain, anchors, revocations, at);
            Optional<String> usage = CertificateUsage.signingProblem(chain.getFirst());
            if (usage.isPresent()) {
                return new Invalid("the signer " + usage.get());
            }
            String from = EdxmlMessage.parse(xml).from().organId();
            if (!OrganBinding.isBound(chain.getFirst(), from)) {
                return new Invalid("the signer " + chain.getFirst().getSubjectX500Principal().getName()
                        + " is not the From organ " + from);
            }
            return new Valid(chain.getFirst().getSubjectX500Principal().getName(), sha256(chain.getFirst()), sha1);
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

    private static String sha256(X509Certificate certificate) throws CertificateEncodingException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
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
