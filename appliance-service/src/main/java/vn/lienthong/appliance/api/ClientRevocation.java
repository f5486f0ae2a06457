package vn.lienthong.appliance.api;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import vn.lienthong.hsm.trust.CertificateRejectedException;
import vn.lienthong.hsm.trust.CertificateRevokedException;
import vn.lienthong.hsm.trust.ChainValidator;
import vn.lienthong.hsm.trust.CrlOutOfDateException;
import vn.lienthong.provisioning.registry.ApplianceRegistry;

/**
 * The check, at each request, that the TLS client's certificate chain is still trusted and not
 * revoked: the handshake validated it, but a kept-alive or resumed connection outlives a CRL
 * imported since, so a revoked client is refused at its next request.
 */
public final class ClientRevocation {

    private ClientRevocation() {
    }

    /**
     * @throws ProblemException 403 {@code certificate-revoked}, {@code crl-out-of-date} or
     *         {@code client-certificate-not-trusted}
     */
    public static void requireTrusted(Certificate[] chain, ApplianceRegistry registry, Instant now) {
        requireTrusted(Arrays.stream(chain).filter(X509Certificate.class::isInstance)
                .map(X509Certificate.class::cast).toList(), registry, now);
    }

    /** As above, for a chain already typed. */
    public static void requireTrusted(List<X509Certificate> chain, ApplianceRegistry registry, Instant now) {
        try {
            ChainValidator.validate(chain, registry.trustAnchors(), registry.revocationLists(), now);
        } catch (CertificateRevokedException e) {
            throw new ProblemException(Problem.of(403, "certificate-revoked", "Certificate revoked",
                    "the client certificate is revoked: " + e.getMessage()));
        } catch (CrlOutOfDateException e) {
            throw new ProblemException(Problem.of(403, "crl-out-of-date", "CRL out of date", e.getMessage()));
        } catch (CertificateRejectedException e) {
            // Validated at the handshake, no longer now: expired on a long connection, or its anchor removed.
            throw new ProblemException(Problem.of(403, "client-certificate-not-trusted",
                    "Client certificate not trusted",
                    "the client certificate is no longer trusted: " + e.getMessage()));
        }
    }
}
