package vn.lienthong.appliance.tls;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;
import vn.lienthong.hsm.trust.RevocationCheck;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The client-side check for a call to a peer appliance: the server's leaf certificate must be the one the
 * routing directory pins (SHA-256 of its DER, lower-case hex) and must also chain to the trust anchors and
 * name the host, as {@link AnchorTrustManager} checks.
 */
public final class PinnedServerTrustManager extends X509ExtendedTrustManager {

    private final String pin;
    private final AnchorTrustManager anchors;

    /**
     * @param anchors the trust anchors, read at each handshake
     * @param pinSha256Hex the SHA-256 of the peer's TLS certificate (DER), 64 hexadecimal digits
     */
    public PinnedServerTrustManager(Supplier<? extends Collection<X509Certificate>> anchors, String pinSha256Hex) {
        this(anchors, () -> RevocationCheck.NONE, pinSha256Hex);
    }

    /** As above, the chain also checked against the CRLs held, read at each handshake. */
    public PinnedServerTrustManager(Supplier<? extends Collection<X509Certificate>> anchors,
                                    Supplier<? extends RevocationCheck> revocations, String pinSha256Hex) {
        Objects.requireNonNull(pinSha256Hex, "pinSha256Hex");
        String normal = pinSha256Hex.strip().toLowerCase(Locale.ROOT);
        if (!normal.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException(
                    "a certificate pin must be the SHA-256 of the certificate as 64 hexadecimal digits");
        }
        this.pin = normal;
        this.anchors = new AnchorTrustManager(anchors, revocations, chain -> { });
    }

    /** The pin of a certificate: the SHA-256 of its DER encoding in lower-case hex. */
    public static String pinOf(X509Certificate certificate) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("the certificate cannot be encoded to compute its pin", e);
        }
    }

    /** The pin this manager requires. */
    public String pin() {
        return pin;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        checkPin(chain);
        anchors.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkPin(chain);
        anchors.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkPin(chain);
        anchors.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw clientSideOnly();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw clientSideOnly();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw clientSideOnly();
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return anchors.getAcceptedIssuers();
    }

    private void checkPin(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the peer appliance presented no certificate");
        }
        String actual = pinOf(chain[0]);
        if (!MessageDigest.isEqual(actual.getBytes(StandardCharsets.US_ASCII), pin.getBytes(StandardCharsets.US_ASCII))) {
            throw new CertificateException("the peer appliance's certificate '"
                    + chain[0].getSubjectX500Principal().getName() + "' has pin " + actual
                    + " but the routing directory pins " + pin + ": update the routing directory or the peer's certificate");
        }
    }

    private static CertificateException clientSideOnly() {
        return new CertificateException("a pinned server trust manager cannot check clients");
    }
}
