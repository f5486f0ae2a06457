package vn.lienthong.appliance.tenancy;

import java.time.Clock;
import java.util.Set;
import vn.lienthong.appliance.ops.ApplianceMetrics;
import vn.lienthong.storage.audit.AuditEvent;
import vn.lienthong.storage.audit.AuditLog;

/**
 * Counts and audits every refused attempt to reach what is not the caller's own: a tenant's
 * document system asking for a message id that is not in its own queues (another tenant's, or a
 * guess: both look alike to it, and both are recorded), naming another organ as sender, or a peer
 * appliance speaking for an organ the directory does not pin to it, or anyone using a revoked
 * certificate (a client's, a signer's, or a peer's receipt signer's). The caller learns nothing more
 * than "not found" or "refused"; the operator sees who tried what in the metric
 * {@code lienthong_isolation_refusals_total} and in the audit log (action {@code isolation.refused}).
 */
public final class IsolationAudit {

    /** The audit action of a refused attempt. */
    public static final String ACTION = "isolation.refused";

    /** Problem types, on every listener, of a revoked certificate, or one whose revocation is unknown, being used. */
    private static final Set<String> REVOKED = Set.of("certificate-revoked", "crl-out-of-date");
    /** Problem types of the local API that mean "not yours". */
    private static final Set<String> LOCAL = Set.of("unknown-message", "sender-not-tenant",
            "unknown-client-certificate");
    /** Problem types of the axis that mean a peer tried to speak for, or reach, an organ not its own. */
    private static final Set<String> AXIS = Set.of("unknown-recipient", "not-a-recipient", "unknown-sender",
            "peer-not-sender-appliance", "signer-not-sender", "message-id-conflict");

    private static final System.Logger LOG = System.getLogger(IsolationAudit.class.getName());

    private final AuditLog audit;
    private final ApplianceMetrics metrics;
    private final Clock clock;

    public IsolationAudit(AuditLog audit, ApplianceMetrics metrics, Clock clock) {
        this.audit = audit;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Whether a refusal of this problem type on this listener is an isolation attempt. */
    public static boolean isAttempt(String listener, String problemType) {
        return REVOKED.contains(problemType) || ("axis".equals(listener) ? AXIS : LOCAL).contains(problemType);
    }

    /**
     * Records a refusal if it is an isolation attempt (see {@link #isAttempt}); otherwise does nothing.
     *
     * @param tenant the tenant acting (local API) or addressed (axis), or {@code unknown}
     * @param actor who made the request: the client certificate's subject and SHA-256
     * @param request what was asked, e.g. {@code GET /api/v1/inbox/ID}
     */
    public void refused(String listener, String tenant, String actor, String problemType, String request) {
        if (!isAttempt(listener, problemType)) {
            return;
        }
        metrics.isolationRefused(tenant, listener, problemType);
        try {
            audit.append(new AuditEvent(clock.instant(), actor, ACTION, "tenant=" + tenant + " listener=" + listener
                    + " reason=" + problemType + " request=" + request));
        } catch (RuntimeException e) {
            // The request is refused whatever happens here; the metric above still counts it.
            LOG.log(System.Logger.Level.WARNING, "the audit log could not record a refused " + problemType
                    + " attempt of tenant " + tenant + ": " + e.getMessage());
        }
    }
}
