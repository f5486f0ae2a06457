package vn.lienthong.appliance.revocation;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.hsm.trust.HeldCrl;
import vn.lienthong.provisioning.registry.ApplianceRegistry;

/**
 * Fetches CRLs over HTTP from the distribution points (RFC 5280 §4.2.1.13) named in the
 * certificates the appliance sees: its own keys' and every TLS client's and peer's, learned at
 * their handshake. A distribution point is fetched when first seen, then at every run (the
 * {@code trust.crl-fetch-interval-minutes}). A fetched CRL goes through the same check as
 * {@code provision crl import}: signed by a trust anchor or an intermediate that chains to one, and
 * not older than the one held.
 */
public final class CrlFetcher implements Runnable {

    private static final System.Logger LOG = System.getLogger(CrlFetcher.class.getName());
    /** Distribution points remembered; a CA names one or two, so this bounds what a stream of strangers can add. */
    private static final int MAX_POINTS = 256;
    /** A CRL larger than this is refused unread: the Government CA's are far smaller. */
    private static final long MAX_CRL_BYTES = 16L * 1024 * 1024;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final boolean enabled;
    private final ApplianceRegistry registry;
    private final Supplier<Map<String, X509Certificate>> ownCertificates;
    private final Executor firstFetches;
    private final Clock clock;
    private final HttpClient http;
    /** Each distribution point's URL and the issuer's chain (the issuer first), whose CRL it serves. */
    private final Map<URI, List<X509Certificate>> points = new ConcurrentHashMap<>();

    /**
     * @param enabled         {@code trust.crl-fetch}; when false, nothing is learned or fetched
     * @param ownCertificates the certificates of the appliance's own keys
     * @param firstFetches    runs the fetch of a distribution point seen for the first time
     */
    public CrlFetcher(boolean enabled, ApplianceRegistry registry,
                      Supplier<Map<String, X509Certificate>> ownCertificates, Executor firstFetches, Clock clock) {
        this.enabled = enabled;
        this.registry = registry;
        this.ownCertificates = ownCertificates;
        this.firstFetches = firstFetches;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /** Learns the distribution points of a validated chain (leaf first); its top's issuer is found among the anchors. */
    public void learn(X509Certificate[] chain) {
        if (!enabled) {
            return;
        }
        List<X509Certificate> certificates = new ArrayList<>(Arrays.asList(chain));
        anchorOf(certificates.getLast()).filter(anchor -> !certificates.contains(anchor)).ifPresent(certificates::add);
        for (int i = 0; i + 1 < certificates.size(); i++) {
            List<X509Certificate> issuerChain = List.copyOf(certificates.subList(i + 1, certificates.size()));
            for (URI point : distributionPoints(certificates.get(i))) {
                if (points.size() < MAX_POINTS && points.putIfAbsent(point, issuerChain) == null) {
                    firstFetches.execute(() -> fetch(point, issuerChain));
                }
            }
        }
    }

    /** Fetches every distribution point known, the appliance's own certificates' first learned. */
    @Override
    public void run() {
        if (!enabled) {
            return;
        }
        try {
            ownCertificates.get().values().forEach(certificate -> learn(new X509Certificate[] {certificate}));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the appliance's own certificates could not be read for their CRL"
                    + " distribution points: " + e.getMessage());
        }
        points.forEach(this::fetch);
    }

    /** Fetches one distribution point and holds its CRL if it is newer than the one held; failures are logged. */
    void fetch(URI point, List<X509Certificate> issuerChain) {
        try {
            HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(point).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            byte[] body;
            try (InputStream in = response.body()) {
                body = in.readNBytes((int) MAX_CRL_BYTES + 1);
            }
            if (response.statusCode() != 200) {
                throw new IOException("it answered HTTP " + response.statusCode());
            }
            if (body.length > MAX_CRL_BYTES) {
                throw new IOException("its CRL is larger than " + MAX_CRL_BYTES / (1024 * 1024) + " MiB");
            }
            for (X509CRL crl : Pem.crls(body)) {
                if (!newerThanHeld(crl)) {
                    continue;
                }
                HeldCrl held = registry.importCrl(crl, issuerChain, clock.instant());
                LOG.log(System.Logger.Level.INFO, "fetched the CRL of " + held.issuerName() + " from " + point + ": "
                        + held.revokedEntries() + " revoked, next update " + crl.getNextUpdate());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the CRL at " + point + " was not fetched: " + e.getMessage());
        }
    }

    private boolean newerThanHeld(X509CRL crl) {
        return registry.crls().stream()
                .filter(held -> held.crl().getIssuerX500Principal().equals(crl.getIssuerX500Principal()))
                .allMatch(held -> crl.getThisUpdate().after(held.crl().getThisUpdate()));
    }

    private Optional<X509Certificate> anchorOf(X509Certificate top) {
        return registry.trustAnchors().stream()
                .filter(anchor -> anchor.getSubjectX500Principal().equals(top.getIssuerX500Principal()))
                .findFirst();
    }

    /** The http and https URIs of a certificate's CRL distribution points, if it names any. */
    static List<URI> distributionPoints(X509Certificate certificate) {
        byte[] extension = certificate.getExtensionValue(Extension.cRLDistributionPoints.getId());
        if (extension == null) {
            return List.of();
        }
        List<URI> uris = new ArrayList<>();
        try {
            CRLDistPoint points = CRLDistPoint.getInstance(JcaX509ExtensionUtils.parseExtensionValue(extension));
            for (DistributionPoint point : points.getDistributionPoints()) {
                DistributionPointName name = point.getDistributionPoint();
                if (name == null || name.getType() != DistributionPointName.FULL_NAME) {
                    continue;
                }
                for (GeneralName general : GeneralNames.getInstance(name.getName()).getNames()) {
                    if (general.getTagNo() == GeneralName.uniformResourceIdentifier) {
                        URI uri = URI.create(ASN1IA5String.getInstance(general.getName()).getString());
                        if ("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme())) {
                            uris.add(uri);
                        }
                    }
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            LOG.log(System.Logger.Level.INFO, "the CRL distribution points of "
                    + certificate.getSubjectX500Principal().getName() + " cannot be read: " + e.getMessage());
        }
        return uris;
    }
}
