package vn.lienthong.hsm.cms;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.Provider;
import java.security.cert.CertificateEncodingException;
import java.time.Instant;
import java.util.Date;
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
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.cms.CMSAttributes;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.Time;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.cms.CMSAttributeTableGenerator;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.DefaultSignedAttributeTableGenerator;
import org.bouncycastle.cms.SignerInfoGenerator;
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
 *
 * <p>Bouncy Castle builds and signs each SignerInfo (signed attributes content-type, signing-time,
 * message-digest and CMS algorithm protection). What is the same for every signature of a key —
 * its signer, its DER-encoded certificate set — is prepared once: encoding the certificates again
 * for each signature cost as much as an EC signature in the token.
 *
 * <p>Safe for many threads: each signature uses a signer no other thread holds; signers are kept
 * per key and used again, one signature at a time.
 */
public final class CmsSigner {
    /** Keys whose prepared parts are kept; far above one appliance's tenants' keys in a token. */
    private static final int MAX_KEYS = 4096;
    /** SignedData version 1: issuer-and-serial signer identifiers, id-data content, X.509 certificates only. */
    private static final byte[] VERSION_1 = der(new ASN1Integer(1));
    /** EncapsulatedContentInfo of detached id-data content: the type alone. */
    private static final byte[] DETACHED_DATA = der(new DERSequence(CMSObjectIdentifiers.data));
    private static final byte[] SIGNED_DATA_TYPE = der(CMSObjectIdentifiers.signedData);

    private final Provider tokenProvider;
    /**
     * Digests of the content are computed in software: they are not secret, and the token then
     * signs only the small signed-attributes structure.
     */
    private final DigestCalculatorProvider digests;
    private final Map<TokenKey, Prepared> preparedByKey = new ConcurrentHashMap<>();
    private final SignedAttributes signedAttributes = new SignedAttributes();

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
            Prepared prepared = prepared(key);
            SignerInfoGenerator signer = prepared.idleSigners().poll();
            if (signer == null) {
                signer = signerFor(key, algorithm);
            }
            try (OutputStream digesting = signer.getCalculatingOutputStream()) {
                digesting.write(content);
            }
            byte[] signerInfo = signer.generate(CMSObjectIdentifiers.data).getEncoded(ASN1Encoding.DER);
            // Only a signer that signed without error is used again: a failed one may hold a
            // half-done signature operation.
            prepared.idleSigners().offer(signer);
            byte[] signedData = tlv(0x30, VERSION_1, prepared.digestAlgorithms(), DETACHED_DATA,
                    prepared.certificates(), tlv(0x31, signerInfo));
            return tlv(0x30, SIGNED_DATA_TYPE, tlv(0xA0, signedData));
        } catch (OperatorCreationException | RuntimeOperatorException | CMSException | IOException
                 | CertificateEncodingException e) {
            throw new HsmException("cannot make a CMS signature with key '" + key.alias() + "' (" + algorithm
                    + "): " + HsmException.rootMessage(e), e);
        }
    }

    /**
     * What stays the same for the key's signatures. Bounded by the number of keys: a reopened token
     * hands out new key objects, and the old ones' parts are then dropped with the rest.
     */
    private Prepared prepared(TokenKey key) throws OperatorCreationException, CertificateEncodingException {
        Prepared prepared = preparedByKey.get(key);
        if (prepared != null) {
            return prepared;
        }
        if (preparedByKey.size() >= MAX_KEYS) {
            preparedByKey.clear();
        }
        SignerInfoGenerator first = signerFor(key, key.defaultSignatureAlgorithm().jcaName());
        ASN1Encodable[] certificates = new ASN1Encodable[key.chain().size()];
        for (int i = 0; i < certificates.length; i++) {
            certificates[i] = Certificate.getInstance(key.chain().get(i).getEncoded());
        }
        prepared = new Prepared(
                der(new DERSet(first.getDigestAlgorithm())),
                // [0] IMPLICIT SET OF Certificate; a DER set is sorted by encoding, as DERSet does.
                der(new DERTaggedObject(false, 0, new DERSet(certificates))),
                new ConcurrentLinkedQueue<>());
        prepared.idleSigners().add(first);
        Prepared raced = preparedByKey.putIfAbsent(key, prepared);
        return raced != null ? raced : prepared;
    }

    private SignerInfoGenerator signerFor(TokenKey key, String algorithm)
            throws OperatorCreationException, CertificateEncodingException {
        var signer = new JcaContentSignerBuilder(algorithm).setProvider(tokenProvider).build(key.privateKey());
        return new JcaSignerInfoGeneratorBuilder(digests)
                .setSignedAttributeGenerator(signedAttributes)
                .build(signer, key.certificate());
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

    private static byte[] der(ASN1Encodable value) {
        try {
            return value.toASN1Primitive().getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new IllegalStateException("cannot DER-encode " + value, e);
        }
    }

    /**
     * @param digestAlgorithms DER of the SignedData's digestAlgorithms set
     * @param certificates     DER of the SignedData's [0] certificates field
     * @param idleSigners      signers of the key that no thread is using
     */
    private record Prepared(byte[] digestAlgorithms, byte[] certificates, Queue<SignerInfoGenerator> idleSigners) {
    }

    /**
     * Bouncy Castle's standard signed attributes, with the signing-time attribute made once a second
     * rather than once a signature (formatting a UTCTime through the JDK's date formats is slow).
     */
    private static final class SignedAttributes implements CMSAttributeTableGenerator {
        private volatile Second current = new Second(Long.MIN_VALUE, null);

        @Override
        public AttributeTable getAttributes(@SuppressWarnings("rawtypes") Map parameters) {
            long now = Instant.now().getEpochSecond();
            Second second = current;
            if (second.epochSecond() != now) {
                Attribute signingTime = new Attribute(CMSAttributes.signingTime,
                        new DERSet(new Time(new Date(now * 1000))));
                second = new Second(now, new DefaultSignedAttributeTableGenerator(new AttributeTable(signingTime)));
                current = second;
            }
            return second.attributes().getAttributes(parameters);
        }

        private record Second(long epochSecond, DefaultSignedAttributeTableGenerator attributes) {
        }
    }
}
