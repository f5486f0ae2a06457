package vn.lienthong.appliance.tenancy;

import java.util.Set;
import java.util.function.Supplier;
import vn.lienthong.appliance.audit.RefusalAudit;
import vn.lienthong.appliance.ops.ApplianceMetrics;

/**
 * Counts and audits every refused attempt to reach what is not the caller's own: a tenant's
 * document system asking for a message id that is not in its own queues (another tenant's, or a
 * guess: both look alike to it, and both are recorded), naming another organ as sender, or a peer
 * appliance speaking for an organ the directory does not pin to it (in the envelope or in its
 * edXML payload's From/To), or anyone using a revoked certificate (a client's, a signer's, or a
 * peer's receipt signer's). The caller learns nothing more
 * than "not found" or "refused"; the operator sees who tried what in the metric
 * {@code lienthong_isolation_refusals_total} and in the audit log, aggregated by {@link RefusalAudit}
 * (action {@value RefusalAudit#ACTION}, one record per caller and reason per minute with the count).
 */
public final class IsolationAudit {

    /** The audit action of refused attempts (aggregated). */
    public static final String ACTION = RefusalAudit.ACTION;

    /** Problem types, on every listener, of a revoked certificate, or one whose revocation is unknown, being used. */
    private static final Set<String> REVOKED = Set.of("certificate-revoked", "crl-out-of-date");
    /** Problem types of the local API that mean "not yours". */
    private static final Set<String> LOCAL = Set.of("unknown-message", "sender-not-tenant",
            "unknown-client-certificate");
    /** Problem types of the SDK routes that mean "not yours", or "not who you say" (its HMAC headers). */
    private static final Set<String> SDK = Set.of("unknown-message", "sender-not-tenant",
            "unknown-client-certificate", "sdk-systemid-mismatch", "sdk-bad-signature", "sdk-replayed",
            "sdk-auth-missing", "sdk-stale-timestamp", "sdk-no-secret");
    /** Problem types of the axis that mean a peer tried to speak for, or reach, an organ not its own. */
    private static final Set<String> AXIS = Set.of("unknown-recipient", "not-a-recipient", "unknown-sender",
            "peer-not-sender-appliance", "signer-not-sender", "message-id-conflict", "payload-header-mismatch");

    private final RefusalAudit refusals;
    private final ApplianceMetrics metrics;

    public IsolationAudit(RefusalAudit refusals, ApplianceMetrics metrics) {
        this.refusals = refusals;
        this.metrics = metrics;
    }

    /** Whether a refusal of this problem type on this listener is an isolation attempt. */
    public static boolean isAttempt(String listener, String problemType) {
        return REVOKED.contains(problemType) || (switch (listener) {
            case "axis" -> AXIS;
            case "sdk" -> SDK;
            default -> LOCAL;
        }).contains(problemType);
    }

    /** As {@link #refused(String, String, String, String, Supplier)} with the request already described. */
    public void refused(String listener, String tenant, String actor, String problemType, String request) {
        refused(listener, tenant, actor, problemType, () -> request);
    }

    /**
     * Records a refusal if it is an isolation attempt (see {@link #isAttempt}); otherwise does nothing.
     *
     * @param tenant the tenant acting (local API) or addressed (axis), or {@code unknown}
     * @param actor who made the request, from {@link RefusalAudit#caller}
     * @param request what was asked, e.g. {@code GET /api/v1/inbox/ID}: described only for the first
     *                refusal of its kind in a minute
     */
    public void refused(String listener, String tenant, String actor, String problemType, Supplier<String> request) {
        if (!isAttempt(listener, problemType)) {
            return;
        }
        metrics.isolationRefused(tenant, listener, problemType);
        refusals.refused(listener, actor, problemType, () -> "tenant=" + tenant + " request=" + request.get());
    }
}
