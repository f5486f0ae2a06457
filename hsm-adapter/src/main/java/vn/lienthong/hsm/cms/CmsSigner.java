package vn.lienthong.hsm.cms;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.ProviderException;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.SignerInfo;
import org.bouncycastle.asn1.cms.Time;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.SignerInfoGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.RuntimeOperatorException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import vn.lienthong.hsm.HsmException;
import vn.lienthong.hsm.token.TokenKey;

/**
 * Makes detached CMS SignedData (RFC 5652) over content, signed with a token key, the key's
 * certificate chain included, so that {@code openssl cms -verify} can check it.
 *
 * <p>The first signature with a key is made by Bouncy Castle's CMS generator; its SignerInfo is the
 * template for the key's later signatures. Those change only the message digest, the signing time
 * (made once a second) and the signature value, and are assembled from the template's DER parts:
 * building and encoding the whole structure again for each signature (certificates, algorithm
 * identifiers, attribute sets) cost as much as an EC signature in the token, and a lone envelope
 * must wait for little more than its signature.
 *
 * <p>Safe for many threads: each signature uses a {@link Signature} no other thread holds; they are
 * kept per key and used again.
 */
public final class CmsSigner {
    /** Keys whose templates are kept; far above one appliance's tenants' keys in a token. */
    private static final int MAX_KEYS = 4096;
    private static final int SHA256_LENGTH = 32;
    /** SignedData version 1: issuer-and-serial signer identifiers, id-data content, X.509 certificates only. */
    private static final byte[] VERSION_1 = der(new ASN1Integer(1));
    /** EncapsulatedContentInfo of detached id-data content: the type alone. */
    private static final byte[] DETACHED_DATA = der(new DERSequence(CMSObjectIdentifiers.data));
    private static final byte[] SIGNED_DATA_TYPE = der(CMSObjectIdentifiers.signedData);
    /** Signs the first signature of each key: the content is not kept, only the structure around it. */
    private static final byte[] TEMPLATE_CONTENT = new byte[0];

    private final Provider tokenProvider;
    private final Map<TokenKey, Template> templates = new ConcurrentHashMap<>();
    private volatile SigningTime signingTime = new SigningTime(Long.MIN_VALUE, null);

    /** The token provider that performs the signature. */
    public CmsSigner(Provider tokenProvider) {
        this.tokenProvider = tokenProvider;
    }

    /**
     * DER-encoded ContentInfo(SignedData) without encapsulated content: one SignerInfo identified
     * by issuer and serial number, with the signed attributes content-type, signing-time,
     * message-digest and CMS algorithm protection (RFC 5652 §5.3, §11; RFC 6211), signed with the
     * key's default algorithm.
     */
    public byte[] signDetached(TokenKey key, byte[] content) {
        String algorithm = key.defaultSignatureAlgorithm().jcaName();
        try {
            Template template = template(key, algorithm);
            Signature signature = template.idleSignatures().poll();
            if (signature == null) {
                signature = Signature.getInstance(algorithm, tokenProvider);
                signature.initSign(key.privateKey());
            }
            // The content is digested in software: it is not secret, and the token then signs only
            // the small signed-attributes structure.
            byte[] attributes = template.signedAttributes(sha256(content), signingTime());
            signature.update(tlv(0x31, attributes));
            byte[] value = signature.sign();
            // Only a signature object that signed without error is used again.
            template.idleSignatures().offer(signature);
            byte[] signerInfo = tlv(0x30, template.signerInfoHead(), tlv(0xA0, attributes),
                    template.signatureAlgorithm(), tlv(0x04, value));
            byte[] signedData = tlv(0x30, VERSION_1, template.digestAlgorithms(), DETACHED_DATA,
                    template.certificates(), tlv(0x31, signerInfo));
            return tlv(0x30, SIGNED_DATA_TYPE, tlv(0xA0, signedData));
        } catch (OperatorCreationException | RuntimeOperatorException | CMSException | IOException
                 | GeneralSecurityException | ProviderException e) {
            throw new HsmException("cannot make a CMS signature with key '" + key.alias() + "' (" + algorithm
                    + "): " + HsmException.rootMessage(e), e);
        }
    }

    /**
     * The key's template, made by Bouncy Castle on first use. Bounded by the number of keys: a
     * reopened token hands out new key objects, and the old ones' templates are dropped with the rest.
     */
    private Template template(TokenKey key, String algorithm)
            throws OperatorCreationException, CertificateEncodingException, CMSException, IOException {
        Template template = templates.get(key);
        if (template != null) {
            return template;
        }
        if (templates.size() >= MAX_KEYS) {
            templates.clear();
        }
        var signer = new JcaContentSignerBuilder(algorithm).setProvider(tokenProvider).build(key.privateKey());
        SignerInfoGenerator generator = new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
                .build(signer, key.certificate());
        try (OutputStream digesting = generator.getCalculatingOutputStream()) {
            digesting.write(TEMPLATE_CONTENT);
        }
        SignerInfo first = generator.generate(CMSObjectIdentifiers.data);

        List<byte[]> fixedAttributes = new ArrayList<>();
        byte[] messageDigestPrefix = null;
        for (ASN1Encodable element : first.getAuthenticatedAttributes()) {
            Attribute attribute = Attribute.getInstance(element);
            byte[] encoded = der(attribute);
            if (attribute.getAttrType().equals(CMSAttributes.messageDigest)) {
                // SEQUENCE { type, SET { OCTET STRING digest } }: the digest is the last 32 bytes.
                messageDigestPrefix = Arrays.copyOf(encoded, encoded.length - SHA256_LENGTH);
            } else if (!attribute.getAttrType().equals(CMSAttributes.signingTime)) {
                fixedAttributes.add(encoded);
            }
        }
        if (messageDigestPrefix == null) {
            throw new CMSException("Bouncy Castle's signer info has no message-digest attribute");
        }
        ASN1Encodable[] certificates = new ASN1Encodable[key.chain().size()];
        for (int i = 0; i < certificates.length; i++) {
            certificates[i] = Certificate.getInstance(key.chain().get(i).getEncoded());
        }
        template = new Template(
                concat(der(first.getVersion()), der(first.getSID()), der(first.getDigestAlgorithm())),
                List.copyOf(fixedAttributes),
                messageDigestPrefix,
                der(first.getDigestEncryptionAlgorithm()),
                der(new DERSet(first.getDigestAlgorithm())),
                // [0] IMPLICIT SET OF Certificate; a DER set is sorted by encoding, as DERSet does.
                der(new DERTaggedObject(false, 0, new DERSet(certificates))),
                new ConcurrentLinkedQueue<>());
        Template raced = templates.putIfAbsent(key, template);
        return raced != null ? raced : template;
    }

    /** The signing-time attribute of this second, encoded once a second (formatting a UTCTime is slow). */
    private byte[] signingTime() {
        long now = Instant.now().getEpochSecond();
        SigningTime current = signingTime;
        if (current.epochSecond() != now) {
            current = new SigningTime(now, der(new Attribute(CMSAttributes.signingTime,
                    new DERSet(new Time(new Date(now * 1000))))));
            signingTime = current;
        }
        return current.attribute();
    }

    private static byte[] sha256(byte[] content) throws NoSuchAlgorithmException {
        return MessageDigest.getInstance("SHA-256").digest(content);
    }

    /** A DER tag-length-value over the concatenated parts (definite length, as DER requires). */
    private static byte[] tlv(int tag, byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 6);
        out.write(tag);
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 7) / 8;
            out.write(0x80 | bytes);
            for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
                out.write(length >>> shift);
            }
        }
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] der(ASN1Encodable value) {
        try {
            return value.toASN1Primitive().getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new IllegalStateException("cannot DER-encode " + value, e);
        }
    }

    /**
     * The DER parts of a key's signatures, from its first SignerInfo.
     *
     * @param signerInfoHead      version, signer identifier and digest algorithm
     * @param fixedAttributes     the signed attributes other than message-digest and signing-time
     * @param messageDigestPrefix the message-digest attribute up to its 32-byte value
     * @param signatureAlgorithm  the signature algorithm identifier
     * @param digestAlgorithms    the SignedData's digestAlgorithms set
     * @param certificates        the SignedData's [0] certificates field
     * @param idleSignatures      initialised signature objects of the key that no thread is using
     */
    private record Template(byte[] signerInfoHead, List<byte[]> fixedAttributes, byte[] messageDigestPrefix,
                            byte[] signatureAlgorithm, byte[] digestAlgorithms, byte[] certificates,
                            Queue<Signature> idleSignatures) {

        /** The contents of the DER SET OF signed attributes, in DER's order (by encoding). */
        byte[] signedAttributes(byte[] digest, byte[] signingTime) {
            List<byte[]> attributes = new ArrayList<>(fixedAttributes.size() + 2);
            attributes.addAll(fixedAttributes);
            attributes.add(concat(messageDigestPrefix, digest));
            attributes.add(signingTime);
            attributes.sort(Arrays::compareUnsigned);
            return concat(attributes.toArray(byte[][]::new));
        }
    }

    private record SigningTime(long epochSecond, byte[] attribute) {
    }
}
