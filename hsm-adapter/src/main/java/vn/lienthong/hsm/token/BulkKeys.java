package vn.lienthong.hsm.token;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.DefaultSignatureAlgorithmIdentifierFinder;
import vn.lienthong.hsm.HsmException;

/**
 * Many keys generated, or many certificates stored, in one PKCS#11 session, with the token's key list
 * read once at the end. SunPKCS11's key store walks every object of the token on each key it stores
 * (and {@link Token#generateKey} reloads the list first), so making N keys one by one costs O(N²): with
 * a thousand tenants on one token that is the difference between seconds and most of an hour.
 *
 * <p>The objects are exactly those SunPKCS11's key store makes (a private key with {@code CKA_ID} =
 * alias, a certificate with {@code CKA_LABEL} = {@code CKA_ID} = alias, the same attribute templates
 * as {@link Token}'s provider configuration), so everything else reads and changes them as usual.
 * It goes through the JDK's PKCS#11 wrapper, reflectively, as {@link Slots} does.
 */
public final class BulkKeys {

    private static final String WRAPPER = "sun.security.pkcs11.wrapper.";
    private static final long CKF_RW_SESSION = 0x2L;
    private static final long CKF_SERIAL_SESSION = 0x4L;
    private static final long CKO_CERTIFICATE = 0x1L;
    private static final long CKO_SECRET_KEY = 0x4L;
    private static final long CKC_X_509 = 0x0L;
    private static final long CKA_CLASS = 0x0L;
    private static final long CKA_TOKEN = 0x1L;
    private static final long CKA_PRIVATE = 0x2L;
    private static final long CKA_LABEL = 0x3L;
    private static final long CKA_VALUE = 0x11L;
    private static final long CKA_CERTIFICATE_TYPE = 0x80L;
    private static final long CKA_ISSUER = 0x81L;
    private static final long CKA_SERIAL_NUMBER = 0x82L;
    private static final long CKA_SUBJECT = 0x101L;
    private static final long CKA_ID = 0x102L;
    private static final long CKA_SENSITIVE = 0x103L;
    private static final long CKA_DECRYPT = 0x105L;
    private static final long CKA_UNWRAP = 0x107L;
    private static final long CKA_SIGN = 0x108L;
    private static final long CKA_VERIFY = 0x10AL;
    private static final long CKA_DERIVE = 0x10CL;
    private static final long CKA_MODULUS = 0x120L;
    private static final long CKA_MODULUS_BITS = 0x121L;
    private static final long CKA_PUBLIC_EXPONENT = 0x122L;
    private static final long CKA_EXTRACTABLE = 0x162L;
    private static final long CKA_EC_PARAMS = 0x180L;
    private static final long CKA_EC_POINT = 0x181L;
    private static final long CKM_RSA_PKCS_KEY_PAIR_GEN = 0x0L;
    private static final long CKM_SHA256_RSA_PKCS = 0x40L;
    private static final long CKM_EC_KEY_PAIR_GEN = 0x1040L;
    private static final long CKM_ECDSA = 0x1041L;

    private BulkKeys() {
    }

    /** A key made by {@link #generate}: its alias, public key and, if asked for, a certification request (PEM). */
    public record Generated(String alias, PublicKey publicKey, String certificationRequest) {
    }

    /**
     * Generates a key pair under each alias, each stored with its self-signed placeholder certificate
     * as {@link Token#generateKey} stores it, and returns them in the order given; with {@code subjects},
     * each also signs a PKCS#10 request for the subject DN it maps the alias to, in the same session.
     * Refuses (before making anything) an alias that is not allowed, given twice or already in the token.
     * The token's key list is read once, at the end.
     */
    public static List<Generated> generate(Token token, List<String> aliases, KeyAlgorithm algorithm,
                                           java.util.function.Function<String, String> subjects) {
        Set<String> present = new HashSet<>(token.aliases());
        Set<String> seen = new HashSet<>();
        for (String alias : aliases) {
            // generateKey's own check, without making a key: an alias it would refuse is refused here.
            if (alias == null || !Token.ALIAS.matcher(alias).matches()) {
                throw new HsmException("the key alias '" + alias + "' is not allowed: use 1 to 64 letters, digits,"
                        + " '.', '_', ':', '@' or '-', starting with a letter or digit");
            }
            if (present.contains(alias) || !seen.add(alias)) {
                throw new HsmException("token '" + token.label() + "' already has a key '" + alias + "'");
            }
        }
        List<Generated> generated = new ArrayList<>();
        try (Session session = Session.open(token)) {
            for (String alias : aliases) {
                long[] pair = session.generateKeyPair(alias, algorithm);
                PublicKey publicKey = session.publicKey(pair[0], algorithm);
                X509Certificate placeholder = PlaceholderCertificate.selfSigned(alias, publicKey,
                        session.signer(pair[1], algorithm));
                session.createCertificate(alias, placeholder);
                generated.add(new Generated(alias, publicKey, subjects == null ? null
                        : vn.lienthong.hsm.cert.Csr.pem(publicKey, session.signer(pair[1], algorithm),
                                subjects.apply(alias))));
            }
        } finally {
            token.reload();
        }
        return generated;
    }

    /**
     * The certificate stored under each alias now (the leaf, {@code CKA_LABEL} = alias), read in one
     * session and one search: without a search of the token per key, as the key store would make.
     */
    public static Map<String, X509Certificate> certificates(Token token) {
        Map<String, X509Certificate> certificates = new HashMap<>();
        try {
            java.security.cert.CertificateFactory factory = java.security.cert.CertificateFactory.getInstance("X.509");
            for (Map.Entry<String, List<byte[]>> entry : certificateValues(token).entrySet()) {
                if (entry.getValue().size() == 1) {
                    certificates.put(entry.getKey(), (X509Certificate) factory.generateCertificate(
                            new java.io.ByteArrayInputStream(entry.getValue().getFirst())));
                }
            }
        } catch (java.security.cert.CertificateException e) {
            throw new HsmException("token '" + token.label() + "' holds a certificate that cannot be read: "
                    + e.getMessage(), e);
        }
        return certificates;
    }

    /**
     * Replaces the chain stored under each alias (as {@link Token#storeChain} does: the leaf's public key
     * must be the key's, leaf first), in one session; checks every chain before storing any, and reads
     * the token's key list once, at the end.
     */
    public static void storeChains(Token token, Map<String, List<X509Certificate>> chains) {
        Map<String, X509Certificate> current = certificates(token);
        Set<String> keys = new HashSet<>(token.aliases());
        for (Map.Entry<String, List<X509Certificate>> entry : chains.entrySet()) {
            String alias = entry.getKey();
            List<X509Certificate> chain = entry.getValue();
            X509Certificate existing = current.get(alias);
            if (existing == null || !keys.contains(alias)) {
                throw new HsmException("token '" + token.label() + "' has no key '" + alias + "'");
            }
            if (chain == null || chain.isEmpty()) {
                throw new HsmException("the certificate chain for key '" + alias + "' is empty");
            }
            if (!chain.getFirst().getPublicKey().equals(existing.getPublicKey())) {
                throw new HsmException("the certificate for '" + chain.getFirst().getSubjectX500Principal().getName()
                        + "' is not for key '" + alias + "': its public key differs");
            }
            Token.requireLeafFirstOrder(chain);
        }
        try (Session session = Session.open(token)) {
            Map<String, List<Long>> certificatesByLabel = session.certificatesByLabel();
            Set<String> storedIssuers = new HashSet<>();
            for (Map.Entry<String, List<X509Certificate>> entry : chains.entrySet()) {
                for (long handle : certificatesByLabel.getOrDefault(entry.getKey(), List.of())) {
                    session.destroy(handle);
                }
                session.createCertificate(entry.getKey(), entry.getValue().getFirst());
                // The issuers go in once each, found again by subject as SunPKCS11 builds a chain.
                for (X509Certificate issuer : entry.getValue().subList(1, entry.getValue().size())) {
                    String label = "ca-" + Integer.toHexString(issuer.getSubjectX500Principal().hashCode())
                            + "-" + issuer.getSerialNumber().toString(16);
                    if (!certificatesByLabel.containsKey(label) && storedIssuers.add(label)) {
                        session.createCertificate(label, null, issuer);
                    }
                }
            }
        } finally {
            token.reload();
        }
    }

    /**
     * Renames the key stored under {@code from} to {@code to}: every token object whose {@code CKA_LABEL}
     * or {@code CKA_ID} is {@code from} (the private key, its certificate, a public key if kept) gets
     * {@code to} there instead, so that SunPKCS11's key store lists the same key and chain under the new
     * alias. Returns how many objects changed (0 when there is nothing under {@code from}, as after an
     * earlier rename).
     *
     * @throws HsmException when something is stored under both {@code from} and {@code to}
     */
    public static int rename(Token token, String from, String to) {
        if (to == null || !Token.ALIAS.matcher(to).matches()) {
            throw new HsmException("the key alias '" + to + "' is not allowed");
        }
        byte[] oldId = from.getBytes(StandardCharsets.UTF_8);
        byte[] newId = to.getBytes(StandardCharsets.UTF_8);
        int changed = 0;
        try (Session session = Session.open(token)) {
            Set<Long> objects = new java.util.LinkedHashSet<>(session.find(CKA_LABEL, from.toCharArray()));
            Set<Long> withId = new HashSet<>(session.find(CKA_ID, oldId));
            objects.addAll(withId);
            if (!objects.isEmpty()
                    && (!session.find(CKA_LABEL, to.toCharArray()).isEmpty() || !session.find(CKA_ID, newId).isEmpty())) {
                throw new HsmException("token '" + token.label() + "' already has a key '" + to + "'");
            }
            for (long object : objects) {
                List<Object> template = new ArrayList<>();
                if (session.hasLabel(object, from)) {
                    template.add(session.attribute(CKA_LABEL, to.toCharArray()));
                }
                if (withId.contains(object)) {
                    template.add(session.attribute(CKA_ID, newId));
                }
                session.setAttributes(object, template);
                changed++;
            }
        } finally {
            token.reload();
        }
        return changed;
    }

    /** The value (DER) of every certificate object of the token, by label, read in one session and one search. */
    static Map<String, List<byte[]>> certificateValues(Token token) {
        try (Session session = Session.open(token)) {
            return session.certificateValuesByLabel();
        }
    }

    /**
     * What the key store lists, read in one session: every certificate's value by label, and the labels
     * of the secret keys (which have no certificate).
     */
    record Listing(Map<String, List<byte[]>> certificates, Set<String> secretKeys) {
    }

    static Listing listing(Token token) {
        try (Session session = Session.open(token)) {
            return new Listing(session.certificateValuesByLabel(),
                    new java.util.TreeSet<>(session.objectsByLabel(CKO_SECRET_KEY).keySet()));
        }
    }

    /** One read-write session on the token's slot, through the JDK's PKCS#11 wrapper. */
    private static final class Session implements AutoCloseable {
        private final Token token;
        private final Object module;
        private final long handle;
        private final Constructor<?> attribute;
        private final Class<?> attributeType;
        private final Constructor<?> mechanism;

        private Session(Token token, Object module, long handle) throws ReflectiveOperationException {
            this.token = token;
            this.module = module;
            this.handle = handle;
            this.attributeType = Class.forName(WRAPPER + "CK_ATTRIBUTE");
            this.attribute = attributeType.getConstructor(long.class, Object.class);
            this.mechanism = Class.forName(WRAPPER + "CK_MECHANISM").getConstructor(long.class);
        }

        static Session open(Token token) {
            TokenConfig config = token.config();
            try {
                long slot = Slots.find(config.library(), config.label());
                Object module = Slots.module(config.library());
                // The process logged in through the token's provider: PKCS#11 logins hold for every session.
                long session = (long) module.getClass().getMethod("C_OpenSession", long.class, long.class,
                                Object.class, Class.forName(WRAPPER + "CK_NOTIFY"))
                        .invoke(module, slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, null, null);
                return new Session(token, module, session);
            } catch (ReflectiveOperationException e) {
                throw failure(token.label(), "open a session on", e);
            }
        }

        long[] generateKeyPair(String alias, KeyAlgorithm algorithm) {
            byte[] id = alias.getBytes(StandardCharsets.UTF_8);
            List<Object> publicTemplate = new ArrayList<>(List.of(
                    attribute(CKA_TOKEN, false), attribute(CKA_VERIFY, true)));
            List<Object> privateTemplate = new ArrayList<>(List.of(
                    attribute(CKA_TOKEN, true), attribute(CKA_PRIVATE, true), attribute(CKA_SENSITIVE, true),
                    attribute(CKA_EXTRACTABLE, false), attribute(CKA_SIGN, true), attribute(CKA_DECRYPT, false),
                    attribute(CKA_UNWRAP, false), attribute(CKA_ID, id)));
            long mechanismType;
            if (algorithm == KeyAlgorithm.RSA_2048) {
                mechanismType = CKM_RSA_PKCS_KEY_PAIR_GEN;
                publicTemplate.add(attribute(CKA_MODULUS_BITS, 2048L));
                publicTemplate.add(attribute(CKA_PUBLIC_EXPONENT, BigInteger.valueOf(65537).toByteArray()));
            } else {
                mechanismType = CKM_EC_KEY_PAIR_GEN;
                try {
                    publicTemplate.add(attribute(CKA_EC_PARAMS, SECObjectIdentifiers.secp256r1.getEncoded()));
                } catch (java.io.IOException e) {
                    throw new HsmException("cannot encode the P-256 curve's name: " + e.getMessage(), e);
                }
                privateTemplate.add(attribute(CKA_DERIVE, false));
            }
            return (long[]) call("generate a " + algorithm.cliName() + " key in", "C_GenerateKeyPair",
                    new Class<?>[] {long.class, mechanism.getDeclaringClass(), attributes(0).getClass(),
                        attributes(0).getClass()},
                    handle, newMechanism(mechanismType), attributes(publicTemplate), attributes(privateTemplate));
        }

        PublicKey publicKey(long publicKeyHandle, KeyAlgorithm algorithm) {
            try {
                if (algorithm == KeyAlgorithm.RSA_2048) {
                    Object[] template = attributes(List.of(attribute(CKA_MODULUS, null),
                            attribute(CKA_PUBLIC_EXPONENT, null)));
                    getAttributes(publicKeyHandle, template);
                    return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(
                            new BigInteger(1, bytes(template[0])), new BigInteger(1, bytes(template[1]))));
                }
                Object[] template = attributes(List.of(attribute(CKA_EC_POINT, null)));
                getAttributes(publicKeyHandle, template);
                byte[] point = bytes(template[0]);
                try {
                    point = ASN1OctetString.getInstance(point).getOctets();
                } catch (IllegalArgumentException notWrapped) {
                    // Some modules give the point itself rather than a DER OCTET STRING around it.
                }
                SubjectPublicKeyInfo info = new SubjectPublicKeyInfo(new AlgorithmIdentifier(
                        X9ObjectIdentifiers.id_ecPublicKey, SECObjectIdentifiers.secp256r1), point);
                return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(info.getEncoded()));
            } catch (GeneralSecurityException | java.io.IOException e) {
                throw new HsmException("token '" + token.label() + "' gave a public key that cannot be read: "
                        + e.getMessage(), e);
            }
        }

        /** Signs with the private key in the token: SHA256withRSA, or SHA256withECDSA encoded as DER. */
        ContentSigner signer(long privateKeyHandle, KeyAlgorithm algorithm) {
            boolean rsa = algorithm == KeyAlgorithm.RSA_2048;
            AlgorithmIdentifier identifier = new DefaultSignatureAlgorithmIdentifierFinder()
                    .find(rsa ? "SHA256withRSA" : "SHA256withECDSA");
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            return new ContentSigner() {
                @Override
                public AlgorithmIdentifier getAlgorithmIdentifier() {
                    return identifier;
                }

                @Override
                public OutputStream getOutputStream() {
                    return data;
                }

                @Override
                public byte[] getSignature() {
                    call("sign in", "C_SignInit", new Class<?>[] {long.class, mechanism.getDeclaringClass(), long.class},
                            handle, newMechanism(rsa ? CKM_SHA256_RSA_PKCS : CKM_ECDSA), privateKeyHandle);
                    // Plain CKM_ECDSA signs a digest (as SunPKCS11 does it): not every module has CKM_ECDSA_SHA256.
                    byte[] signed = rsa ? data.toByteArray() : sha256(data.toByteArray());
                    byte[] signature = (byte[]) call("sign in", "C_Sign", new Class<?>[] {long.class, byte[].class},
                            handle, signed);
                    if (rsa) {
                        return signature;
                    }
                    int half = signature.length / 2;
                    try {
                        return new DERSequence(new org.bouncycastle.asn1.ASN1Encodable[] {
                            new ASN1Integer(new BigInteger(1, java.util.Arrays.copyOfRange(signature, 0, half))),
                            new ASN1Integer(new BigInteger(1, java.util.Arrays.copyOfRange(signature, half,
                                    signature.length)))}).getEncoded();
                    } catch (java.io.IOException e) {
                        throw new HsmException("cannot encode an ECDSA signature: " + e.getMessage(), e);
                    }
                }
            };
        }

        private static byte[] sha256(byte[] data) {
            try {
                return java.security.MessageDigest.getInstance("SHA-256").digest(data);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is missing from the JDK", e);
            }
        }

        void createCertificate(String alias, X509Certificate certificate) {
            createCertificate(alias, alias.getBytes(StandardCharsets.UTF_8), certificate);
        }

        void createCertificate(String label, byte[] id, X509Certificate certificate) {
            try {
                List<Object> template = new ArrayList<>(List.of(
                        attribute(CKA_CLASS, CKO_CERTIFICATE), attribute(CKA_CERTIFICATE_TYPE, CKC_X_509),
                        attribute(CKA_TOKEN, true), attribute(CKA_PRIVATE, false),
                        attribute(CKA_LABEL, label.toCharArray()),
                        attribute(CKA_SUBJECT, certificate.getSubjectX500Principal().getEncoded()),
                        attribute(CKA_ISSUER, certificate.getIssuerX500Principal().getEncoded()),
                        attribute(CKA_SERIAL_NUMBER, new ASN1Integer(certificate.getSerialNumber()).getEncoded()),
                        attribute(CKA_VALUE, certificate.getEncoded())));
                if (id != null) {
                    template.add(attribute(CKA_ID, id));
                }
                call("store a certificate in", "C_CreateObject", new Class<?>[] {long.class, attributes(0).getClass()},
                        handle, attributes(template));
            } catch (CertificateEncodingException | java.io.IOException e) {
                throw new HsmException("cannot encode the certificate for '" + label + "': " + e.getMessage(), e);
            }
        }

        Map<String, List<byte[]>> certificateValuesByLabel() {
            Map<String, List<byte[]>> values = new HashMap<>();
            for (Map.Entry<String, List<Long>> entry : certificatesByLabel().entrySet()) {
                for (long h : entry.getValue()) {
                    Object[] template = attributes(List.of(attribute(CKA_VALUE, null)));
                    getAttributes(h, template);
                    values.computeIfAbsent(entry.getKey(), l -> new ArrayList<>()).add(bytes(template[0]));
                }
            }
            return values;
        }

        /** Every certificate object of the token by its label: one search, one attribute read each. */
        Map<String, List<Long>> certificatesByLabel() {
            return objectsByLabel(CKO_CERTIFICATE);
        }

        /** Every token object of the class by its label: one search, one attribute read each. */
        Map<String, List<Long>> objectsByLabel(long objectClass) {
            List<Long> handles = find(CKA_CLASS, objectClass);
            Map<String, List<Long>> byLabel = new HashMap<>();
            for (long h : handles) {
                Object[] template = attributes(List.of(attribute(CKA_LABEL, null)));
                getAttributes(h, template);
                Object value = value(template[0]);
                String label = value instanceof char[] chars ? new String(chars)
                        : value instanceof byte[] raw ? new String(raw, StandardCharsets.UTF_8) : null;
                if (label != null) {
                    byLabel.computeIfAbsent(label, l -> new ArrayList<>()).add(h);
                }
            }
            return byLabel;
        }

        /** The token objects whose attribute {@code type} has {@code value}. */
        List<Long> find(long type, Object value) {
            Class<?> arrayType = attributes(0).getClass();
            call("search", "C_FindObjectsInit", new Class<?>[] {long.class, arrayType}, handle,
                    attributes(List.of(attribute(CKA_TOKEN, true), attribute(type, value))));
            List<Long> handles = new ArrayList<>();
            try {
                for (;;) {
                    long[] found = (long[]) call("search", "C_FindObjects", new Class<?>[] {long.class, long.class},
                            handle, 512L);
                    if (found == null || found.length == 0) {
                        break;
                    }
                    for (long h : found) {
                        handles.add(h);
                    }
                }
            } finally {
                call("search", "C_FindObjectsFinal", new Class<?>[] {long.class}, handle);
            }
            return handles;
        }

        boolean hasLabel(long object, String label) {
            Object[] template = attributes(List.of(attribute(CKA_LABEL, null)));
            getAttributes(object, template);
            Object value = value(template[0]);
            return value instanceof char[] chars ? label.equals(new String(chars))
                    : value instanceof byte[] raw && label.equals(new String(raw, StandardCharsets.UTF_8));
        }

        void setAttributes(long object, List<Object> template) {
            call("rename a key in", "C_SetAttributeValue", new Class<?>[] {long.class, long.class,
                attributes(0).getClass()}, handle, object, attributes(template));
        }

        void destroy(long object) {
            call("replace a certificate in", "C_DestroyObject", new Class<?>[] {long.class, long.class}, handle, object);
        }

        @Override
        public void close() {
            try {
                call("close a session on", "C_CloseSession", new Class<?>[] {long.class}, handle);
            } catch (HsmException e) {
                // The session ends with the process anyway; the objects are already stored.
            }
        }

        private void getAttributes(long object, Object[] template) {
            call("read an object of", "C_GetAttributeValue", new Class<?>[] {long.class, long.class,
                template.getClass()}, handle, object, template);
        }

        Object attribute(long type, Object value) {
            try {
                return value instanceof Boolean b
                        ? attributeType.getConstructor(long.class, boolean.class).newInstance(type, b)
                        : value instanceof Long l
                        ? attributeType.getConstructor(long.class, long.class).newInstance(type, l)
                        : value == null ? attributeType.getConstructor(long.class).newInstance(type)
                        : attribute.newInstance(type, value);
            } catch (ReflectiveOperationException e) {
                throw failure(token.label(), "describe an attribute for", e);
            }
        }

        private Object[] attributes(int length) {
            return (Object[]) java.lang.reflect.Array.newInstance(attributeType, length);
        }

        private Object[] attributes(List<Object> list) {
            return list.toArray(attributes(list.size()));
        }

        private Object newMechanism(long type) {
            try {
                return mechanism.newInstance(type);
            } catch (ReflectiveOperationException e) {
                throw failure(token.label(), "describe a mechanism for", e);
            }
        }

        private Object value(Object attributeObject) {
            try {
                return attributeType.getField("pValue").get(attributeObject);
            } catch (ReflectiveOperationException e) {
                throw failure(token.label(), "read an attribute of", e);
            }
        }

        private byte[] bytes(Object attributeObject) {
            Object value = value(attributeObject);
            if (value instanceof byte[] raw) {
                return raw;
            }
            throw new HsmException("token '" + token.label() + "' gave an attribute that is not a byte string");
        }

        private Object call(String what, String name, Class<?>[] types, Object... arguments) {
            try {
                Method method = module.getClass().getMethod(name, types);
                return method.invoke(module, arguments);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new HsmException("token '" + token.label() + "' could not " + what + " it: "
                        + cause.getMessage(), cause);
            } catch (ReflectiveOperationException e) {
                throw failure(token.label(), what, e);
            }
        }

        private static HsmException failure(String label, String what, ReflectiveOperationException e) {
            Throwable cause = e instanceof InvocationTargetException ite && ite.getCause() != null ? ite.getCause() : e;
            return new HsmException("cannot " + what + " token '" + label + "' through the JDK's PKCS#11"
                    + " wrapper (the JVM needs --add-exports jdk.crypto.cryptoki/sun.security.pkcs11.wrapper"
                    + "=ALL-UNNAMED): " + cause.getMessage(), cause);
        }
    }
}
