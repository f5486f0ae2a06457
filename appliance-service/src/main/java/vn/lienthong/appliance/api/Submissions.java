package vn.lienthong.appliance.api;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import vn.lienthong.appliance.edxml.DocumentMessage;
import vn.lienthong.appliance.edxml.EdxmlIntake;
import vn.lienthong.appliance.edxml.EdxmlLimits;
import vn.lienthong.appliance.edxml.EdxmlMessage;
import vn.lienthong.appliance.edxml.EdxmlRejectedException;
import vn.lienthong.appliance.edxml.EdxmlTrace;
import vn.lienthong.appliance.envelope.Envelope;
import vn.lienthong.appliance.envelope.EnvelopeCodec;
import vn.lienthong.appliance.envelope.EnvelopeHeader;
import vn.lienthong.appliance.keys.ApplianceKeys;
import vn.lienthong.appliance.ops.ApplianceMetrics;
import vn.lienthong.appliance.status.StatusHistory;
import vn.lienthong.appliance.tenancy.SubmissionRate;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.provisioning.registry.Tenant;
import vn.lienthong.provisioning.registry.TenantQuota;
import vn.lienthong.storage.queue.MessageIds;
import vn.lienthong.storage.queue.Outbox;
import vn.lienthong.storage.queue.OutboxEntry;
import vn.lienthong.storage.queue.OutboxMessage;
import vn.lienthong.storage.queue.PutResult;
import vn.lienthong.storage.queue.TenantUsage;

/**
 * Takes an edXML document or status message from a tenant's document system into the outbox: reads
 * and validates it while it streams in, checks that it comes from the tenant and goes to routable
 * organs, adds the appliance's TraceHeader (and, where the tenant wants it, the organisation's
 * XMLDSig), seals it with the tenant's HSM key and stores it durably. Both the local API and the
 * SDK facade submit through here, so both see the same queues.
 */
public final class Submissions {

    /** What became of a submission. */
    public record Submitted(String messageId, boolean duplicate, EdxmlMessage message) {
    }

    /** Applies a tenant's organisation signature to an outgoing message, or returns it unchanged. */
    @FunctionalInterface
    public interface OrganisationSignature {
        byte[] apply(Tenant tenant, byte[] edxml);

        OrganisationSignature NONE = (tenant, edxml) -> edxml;
    }

    private final ApplianceRegistry registry;
    private final ApplianceKeys keys;
    private final Outbox outbox;
    private final ApplianceMetrics metrics;
    private final Clock clock;
    private final Runnable outboxChanged;
    private final StatusHistory statuses;
    private final EdxmlLimits limits;
    private final OrganisationSignature organisationSignature;
    private final SubmissionRate submissionRate;

    /** @param submissionRate each tenant's submissions per minute, against its quota */
    public Submissions(ApplianceRegistry registry, ApplianceKeys keys, Outbox outbox, ApplianceMetrics metrics,
                       Clock clock, Runnable outboxChanged, StatusHistory statuses, EdxmlLimits limits,
                       OrganisationSignature organisationSignature, SubmissionRate submissionRate) {
        this.submissionRate = submissionRate;
        this.registry = registry;
        this.keys = keys;
        this.outbox = outbox;
        this.metrics = metrics;
        this.clock = clock;
        this.outboxChanged = outboxChanged;
        this.statuses = statuses;
        this.limits = limits;
        this.organisationSignature = organisationSignature;
    }

    /**
     * Reads, checks and stores one message.
     *
     * @param idempotencyKey the client's key; the same key gives the same message id
     * @throws ProblemException with the edXML element and rule at fault when the message is refused
     */
    public Submitted submit(Tenant tenant, InputStream body, Optional<String> idempotencyKey) {
        requireWithinQuota(tenant);
        EdxmlIntake intake;
        try {
            intake = EdxmlIntake.read(body, limits);
        } catch (EdxmlRejectedException e) {
            throw invalid(e);
        }
        EdxmlMessage message = intake.message();
        if (!message.from().organId().equals(tenant.organId())) {
            throw new ProblemException(Problem.of(403, "sender-not-tenant", "Sender is not this tenant",
                    "From/OrganId is " + message.from().organId() + " but this client acts for " + tenant.organId())
                    .with("element", "edXML/edXMLEnvelope/edXMLHeader/MessageHeader/From/OrganId")
                    .with("rule", "sender-is-tenant"));
        }
        List<String> recipients = message.recipientOrganIds();
        for (String recipient : recipients) {
            if (registry.directoryEntry(recipient).isEmpty()) {
                throw new ProblemException(Problem.of(422, "unknown-recipient", "Unknown recipient",
                        "the recipient " + recipient + " is not in the routing directory")
                        .with("element", message instanceof DocumentMessage
                                ? "edXML/edXMLEnvelope/edXMLHeader/MessageHeader/To/OrganId"
                                : "edXML/edXMLEnvelope/edXMLHeader/MessageHeader/ResponseFor/OrganId")
                        .with("rule", "routable"));
            }
        }
        Instant now = clock.instant();
        // A message the document system signed itself is sent as it is: a TraceHeader would break its signature.
        byte[] payload = message.signed() ? intake.bytes()
                : organisationSignature.apply(tenant, EdxmlTrace.append(intake.bytes(), tenant.organId(), now));
        // A key names its message for good; a new one gets a time-ordered id, which the outbox's index appends.
        String messageId = idempotencyKey
                .map(key -> UUID.nameUUIDFromBytes((tenant.organId() + "\n" + key).getBytes(StandardCharsets.UTF_8)))
                .orElseGet(() -> MessageIds.timeOrdered(now))
                .toString();
        EnvelopeHeader header = EnvelopeHeader.of(messageId, tenant.organId(), recipients, now,
                LocalApi.EDXML_CONTENT_TYPE, payload);
        Envelope envelope = keys.seal(header, payload, tenant);
        TenantQuota quota = tenant.quota();
        byte[] encoded = EnvelopeCodec.encode(envelope);
        // The quota is checked again in the transaction that stores, so concurrent submissions cannot overshoot it.
        PutResult<OutboxEntry> result = outbox.putWithin(new OutboxMessage(tenant.organId(), messageId, recipients,
                        encoded, now), quota.queuedDocuments(), quota.queuedBytes())
                .orElseThrow(() -> overQueueQuota(tenant, quota.queuedBytes() > 0
                        && outbox.usage(tenant.organId()).bytes() + encoded.length > quota.queuedBytes()
                        ? "queued-bytes" : "queued-documents"));
        boolean accepted = result instanceof PutResult.Accepted<OutboxEntry>;
        if (accepted) {
            if (message instanceof DocumentMessage document) {
                statuses.documentSent(tenant.organId(), document.documentId(), messageId);
            }
            statuses.messageSent(tenant.organId(), new StatusHistory.Sent(messageId, message.documentId(),
                    message instanceof DocumentMessage ? "edoc" : "status", recipients,
                    message instanceof DocumentMessage d && d.code() != null ? d.code().codeNotation() : null,
                    message instanceof DocumentMessage d ? d.subject() : null, now));
            metrics.accepted(tenant.organId());
            outboxChanged.run();
        }
        return new Submitted(messageId, !accepted, message);
    }

    /** Refuses a submission over the tenant's rate (429) or, before anything is signed, its queue quota (507). */
    private void requireWithinQuota(Tenant tenant) {
        TenantQuota quota = tenant.quota();
        Optional<Duration> wait = submissionRate.take(tenant.organId(), quota.submissionsPerMinute());
        if (wait.isPresent()) {
            metrics.quotaRefused(tenant.organId(), "submission-rate");
            long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
            throw new ProblemException(Problem.of(429, "too-many-submissions", "Too many submissions",
                    "tenant " + tenant.organId() + " may submit " + quota.submissionsPerMinute()
                            + " documents per minute; try again in " + seconds + " s"),
                    Map.of("Retry-After", String.valueOf(seconds)));
        }
        if (quota.queuedDocuments() > 0 || quota.queuedBytes() > 0) {
            TenantUsage usage = outbox.usage(tenant.organId());
            if (quota.queuedDocuments() > 0 && usage.documents() >= quota.queuedDocuments()) {
                throw overQueueQuota(tenant, "queued-documents");
            }
            if (quota.queuedBytes() > 0 && usage.bytes() >= quota.queuedBytes()) {
                throw overQueueQuota(tenant, "queued-bytes");
            }
        }
    }

    private ProblemException overQueueQuota(Tenant tenant, String which) {
        metrics.quotaRefused(tenant.organId(), which);
        TenantQuota quota = tenant.quota();
        return new ProblemException(Problem.of(507, "tenant-quota-exceeded", "Tenant quota exceeded",
                "tenant " + tenant.organId() + " has as much waiting in its outbox as its quota allows ("
                        + (which.equals("queued-documents") ? quota.queuedDocuments() + " documents"
                        : quota.queuedBytes() + " bytes") + "); nothing was stored, submit again once some are delivered"));
    }

    /** The problem for a message that broke an edXML rule, naming the element and the rule. */
    public static ProblemException invalid(EdxmlRejectedException e) {
        int status = "size".equals(e.rule()) && e.getMessage().contains("limit") ? 413 : 400;
        return new ProblemException(Problem.of(status, "edxml-invalid", "Not an acceptable edXML message",
                e.getMessage()).with("element", e.element()).with("rule", e.rule()));
    }
}
