package vn.lienthong.appliance.axis;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import vn.lienthong.appliance.api.ClientRevocation;
import vn.lienthong.appliance.api.LocalApi;
import vn.lienthong.appliance.api.Problem;
import vn.lienthong.appliance.api.ProblemException;
import vn.lienthong.appliance.axis.transport.AxisHandler;
import vn.lienthong.appliance.axis.transport.AxisRequest;
import vn.lienthong.appliance.axis.transport.AxisResponse;
import vn.lienthong.appliance.edxml.EdxmlMessage;
import vn.lienthong.appliance.edxml.EdxmlRejectedException;
import vn.lienthong.appliance.edxml.OrganId;
import vn.lienthong.appliance.edxml.StatusMessage;
import vn.lienthong.appliance.envelope.Envelope;
import vn.lienthong.appliance.envelope.EnvelopeCodec;
import vn.lienthong.appliance.envelope.EnvelopeHeader;
import vn.lienthong.appliance.envelope.EnvelopeRejectedException;
import vn.lienthong.appliance.envelope.EnvelopeVerifier;
import vn.lienthong.appliance.envelope.Receipt;
import vn.lienthong.appliance.envelope.SignedReceipt;
import vn.lienthong.appliance.keys.ApplianceKeys;
import vn.lienthong.appliance.keys.MissingKeyException;
import vn.lienthong.appliance.ops.ApplianceMetrics;
import vn.lienthong.appliance.ops.RepeatedLog;
import vn.lienthong.appliance.audit.RefusalAudit;
import vn.lienthong.appliance.tenancy.IsolationAudit;
import vn.lienthong.hsm.HsmException;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.provisioning.registry.DirectoryEntry;
import vn.lienthong.provisioning.registry.Tenant;
import vn.lienthong.provisioning.registry.TenantQuota;
import vn.lienthong.provisioning.registry.TenantStatus;
import vn.lienthong.storage.StorageFullException;
import vn.lienthong.storage.queue.Inbox;
import vn.lienthong.storage.queue.InboxEntry;
import vn.lienthong.storage.queue.InboxMessage;
import vn.lienthong.storage.queue.InboxSummary;
import vn.lienthong.storage.queue.Outbox;
import vn.lienthong.appliance.status.StatusHistory;
import vn.lienthong.storage.queue.PutResult;
import vn.lienthong.storage.queue.TenantUsage;

/**
 * Receives envelopes from peer appliances ({@code POST /axis/v1/envelopes}): checks that the TLS
 * peer is the appliance the directory names for the sender organ, verifies the envelope's
 * signature and its signer's chain, stores it durably in the recipient tenant's inbox and only then
 * answers with a receipt signed by the recipient's HSM key. A message id seen before from the same
 * sender is answered with the first receipt, and nothing is stored twice; a new message for a tenant
 * over its inbox quota is refused with 507 and Retry-After (the sender keeps it and retries).
 */
public final class EnvelopeReceiver implements AxisHandler {

    public static final String PATH = "/axis/v1/envelopes";
    /** The header naming which of the envelope's recipients this delivery is for. */
    public static final String RECIPIENT_HEADER = "Lienthong-Recipient";
    private static final String LISTENER = "axis";
    /** How long a sender is asked to wait before offering an envelope for a suspended tenant again. */
    static final int SUSPENDED_RETRY_SECONDS = 300;
    /** How long a sender is asked to wait before offering an envelope for a tenant over its inbox quota again. */
    static final int INBOX_QUOTA_RETRY_SECONDS = 60;

    private final ApplianceRegistry registry;
    private final ApplianceKeys keys;
    private final Inbox inbox;
    private final ApplianceMetrics metrics;
    private final Clock clock;
    /** Shared by all requests, so that each batch's root signature is verified once. */
    private final EnvelopeVerifier verifier = new EnvelopeVerifier();

    private final StatusHistory statuses;
    private final Outbox outbox;
    private final IsolationAudit isolation;
    private final RepeatedLog failures;

    /**
     * @param statuses where an incoming status message is linked to the tenant's outbox message it answers
     * @param isolation counts and audits envelopes that try to reach or speak for an organ not the peer's
     */
    public EnvelopeReceiver(ApplianceRegistry registry, ApplianceKeys keys, Inbox inbox, ApplianceMetrics metrics,
                            Clock clock, StatusHistory statuses, Outbox outbox, IsolationAudit isolation) {
        this.statuses = statuses;
        this.outbox = outbox;
        this.isolation = isolation;
        this.registry = registry;
        this.keys = keys;
        this.inbox = inbox;
        this.metrics = metrics;
        this.clock = clock;
        this.failures = new RepeatedLog(System.getLogger(EnvelopeReceiver.class.getName()),
                "axis", metrics, clock, RepeatedLog.MINUTE);
    }

    @Override
    public AxisResponse handle(AxisRequest request) {
        String tenantLabel = ApplianceMetrics.UNKNOWN_TENANT;
        try {
            if (!PATH.equals(request.path())) {
                throw new ProblemException(Problem.of(404, "not-found", "Not found",
                        "the axis transport has no " + request.path()));
            }
            if (!"POST".equals(request.method())) {
                throw new ProblemException(Problem.of(405, "method-not-allowed", "Method not allowed",
                        PATH + " takes POST only"));
            }
            String recipient = Optional.ofNullable(request.headers().get(RECIPIENT_HEADER.toLowerCase(java.util.Locale.ROOT)))
                    .orElseThrow(() -> new ProblemException(Problem.of(400, "recipient-required",
                            "Recipient required", "the " + RECIPIENT_HEADER + " header is missing")));
            if (!OrganId.isValid(recipient)) {
                // Before any lookup: an over-long value would not even fit a storage key.
                throw new ProblemException(Problem.of(400, "invalid-recipient", "Invalid recipient",
                        "the " + RECIPIENT_HEADER + " header is not an organ id"));
            }
            Tenant tenant = registry.tenant(recipient).filter(t -> t.status() != TenantStatus.REMOVED)
                    .orElseThrow(() -> new ProblemException(Problem.of(404,
                    "unknown-recipient", "Unknown recipient", recipient + " is not a tenant of this appliance")));
            tenantLabel = tenant.organId();
            if (tenant.status() == TenantStatus.SUSPENDED) {
                // Held, not lost: the sending appliance keeps the envelope and tries again later.
                throw new ProblemException(Problem.of(503, "tenant-suspended", "Recipient suspended",
                        recipient + " is suspended on this appliance; nothing was stored, try again later"),
                        Map.of("Retry-After", String.valueOf(SUSPENDED_RETRY_SECONDS)));
            }
            return receive(request, tenant);
        } catch (ProblemException e) {
            return problem(request, tenantLabel, e.problem(), e.headers());
        } catch (StorageFullException e) {
            return problem(request, tenantLabel, Problem.of(507, "insufficient-storage", "Insufficient storage",
                    "the receiving appliance's store is full; nothing was stored, try again later"),
                    Map.of("Retry-After", "60"));
        } catch (HsmException | MissingKeyException e) {
            return problem(request, tenantLabel, Problem.of(503, "hsm-unavailable", "HSM unavailable",
                    "the receiving appliance cannot sign a receipt now; nothing was stored"),
                    Map.of("Retry-After", "5"));
        } catch (RuntimeException e) {
            // A request that keeps failing so is logged once a minute with a count, not once per request.
            failures.log(System.Logger.Level.ERROR, e.getClass().getName(), "axis request failed: " + e, e);
            return problem(request, tenantLabel, Problem.of(500, "internal-error", "Internal error",
                    "the receiving appliance failed; nothing was stored"), Map.of());
        }
    }

    private AxisResponse receive(AxisRequest request, Tenant tenant) {
        // The peer's TLS chain was validated at the handshake; a CRL imported since counts from this request.
        ClientRevocation.requireTrusted(request.peerChain(), registry, clock.instant());
        if (overInboxQuota(tenant, request.body().length)) {
            // Refused before the envelope is decoded, let alone verified: only its header is read, so
            // that a resend of a message already stored still gets its first receipt below.
            Optional<EnvelopeHeader> peeked = EnvelopeCodec.peekHeader(request.body());
            if (peeked.isEmpty() || !inbox.hasReceived(tenant.organId(), peeked.get().sender(),
                    peeked.get().messageId())) {
                throw inboxQuotaExceeded(tenant);
            }
        }
        Envelope envelope;
        EnvelopeHeader header;
        try {
            envelope = EnvelopeCodec.decode(request.body(), Integer.MAX_VALUE); // the listener limits the body
            header = envelope.header();
        } catch (EnvelopeRejectedException e) {
            throw rejected(e);
        }
        if (!header.recipients().contains(tenant.organId())) {
            throw new ProblemException(Problem.of(400, "not-a-recipient", "Not a recipient",
                    tenant.organId() + " is not among the envelope's recipients"));
        }
        requirePeerIsSenderAppliance(request, header.sender());

        // Known by (tenant, sender, id): another sender's message under the same id is another message.
        Optional<InboxEntry> seen = inbox.received(tenant.organId(), header.sender(), header.messageId());
        Instant now = clock.instant();
        long start = System.nanoTime();
        try {
            verifier.verify(envelope, registry.trustAnchors(), registry.revocationLists(), now);
        } catch (EnvelopeRejectedException e) {
            throw rejected(e);
        } finally {
            metrics.verifySeconds((System.nanoTime() - start) / 1e9);
        }

        Optional<EdxmlMessage> edxml = PayloadBinding.require(envelope, tenant.organId());

        String headerSha256 = envelope.headerSha256();
        if (seen.isPresent()) {
            return firstReceipt(seen.get(), headerSha256);
        }
        SignedReceipt receipt = keys.signReceipt(new Receipt(header.messageId(), headerSha256, now,
                tenant.organId()), tenant);
        TenantQuota quota = tenant.quota();
        String kind = edxml.orElse(null) instanceof StatusMessage ? "status" : "edoc";
        PutResult<InboxEntry> put = inbox.putWithin(new InboxMessage(tenant.organId(), header.messageId(),
                        header.sender(), request.body(), receipt.encode(), now, header.contentType(), kind,
                        header.createdAt()), quota.inboxDocuments(), quota.inboxBytes())
                .orElseThrow(() -> inboxQuotaExceeded(tenant));
        return switch (put) {
            case PutResult.Accepted<InboxEntry> accepted -> {
                metrics.received(tenant.organId());
                linkStatus(tenant, envelope, edxml, now);
                yield receiptResponse(receipt.encode());
            }
            case PutResult.Duplicate<InboxEntry> duplicate -> firstReceipt(duplicate.existing(), headerSha256);
        };
    }

    /** Whether one more envelope of this size would take the tenant's unacknowledged messages over its inbox quota. */
    private boolean overInboxQuota(Tenant tenant, long envelopeBytes) {
        TenantQuota quota = tenant.quota();
        if (quota.inboxDocuments() == 0 && quota.inboxBytes() == 0) {
            return false;
        }
        TenantUsage usage = inbox.usage(tenant.organId());
        return (quota.inboxDocuments() > 0 && usage.documents() >= quota.inboxDocuments())
                || (quota.inboxBytes() > 0 && usage.bytes() + envelopeBytes > quota.inboxBytes());
    }

    /** 507 with Retry-After: the sender keeps the envelope and offers it again later. */
    private ProblemException inboxQuotaExceeded(Tenant tenant) {
        metrics.inboxQuotaRefused(tenant.organId());
        return new ProblemException(Problem.of(507, "inbox-quota-exceeded", "Recipient's inbox is full",
                tenant.organId() + " has as much unacknowledged in its inbox as its quota allows; nothing was"
                        + " stored, keep the envelope and offer it again later"),
                Map.of("Retry-After", String.valueOf(INBOX_QUOTA_RETRY_SECONDS)));
    }

    /** How listings describe a stored envelope: its content type, status or document, and when it was made. */
    public static InboxSummary.Description describe(byte[] envelope) {
        try {
            Envelope decoded = EnvelopeCodec.decode(envelope, Integer.MAX_VALUE);
            return new InboxSummary.Description(decoded.header().contentType(), kind(decoded),
                    decoded.header().createdAt());
        } catch (RuntimeException e) {
            // Stored and answered for long ago: listed as a document of unknown type rather than not at all.
            return new InboxSummary.Description("application/octet-stream", "edoc", null);
        }
    }

    /** What the SDK lists a message as: {@code status} for an edXML status message, {@code edoc} for anything else. */
    private static String kind(Envelope envelope) {
        try {
            return LocalApi.EDXML_CONTENT_TYPE.equals(envelope.header().contentType())
                    && EdxmlMessage.parse(envelope.payload()) instanceof StatusMessage ? "status" : "edoc";
        } catch (EdxmlRejectedException e) {
            return "edoc";
        }
    }

    /**
     * A status message for one of the tenant's documents joins that document's status history, under
     * the envelope's authenticated sender and only for a document the tenant sent to that sender.
     */
    private void linkStatus(Tenant tenant, Envelope envelope, Optional<EdxmlMessage> edxml, Instant now) {
        if (edxml.orElse(null) instanceof StatusMessage status) {
            String sender = envelope.header().sender();
            statuses.link(tenant.organId(), sender, status, envelope.header().messageId(), now,
                    id -> outbox.get(tenant.organId(), id).filter(sent -> sent.deliveries().stream()
                            .anyMatch(d -> d.recipient().equals(sender))).isPresent());
        }
    }

    /** A resent message is answered with its first receipt, unless the id now names other content. */
    private AxisResponse firstReceipt(InboxEntry first, String headerSha256) {
        String firstDigest = EnvelopeCodec.decode(first.envelope(), Integer.MAX_VALUE).headerSha256();
        if (!firstDigest.equals(headerSha256)) {
            throw new ProblemException(Problem.of(409, "message-id-conflict", "Message id conflict",
                    "message " + first.messageId() + " was received before with a different header"));
        }
        return receiptResponse(first.receipt());
    }

    /**
     * The TLS client must be the appliance the routing directory names for the sender organ, by
     * the SHA-256 pin of its certificate: a tenant's signature alone does not let any trusted
     * appliance speak for it.
     */
    private void requirePeerIsSenderAppliance(AxisRequest request, String sender) {
        DirectoryEntry entry = registry.directoryEntry(sender).orElseThrow(() -> new ProblemException(Problem.of(403,
                "unknown-sender", "Unknown sender", "the sender " + sender + " is not in the routing directory")));
        X509Certificate peer = request.peerChain().isEmpty() ? null : request.peerChain().getFirst();
        // A tenant of this appliance speaks only through this appliance, whatever the directory says:
        // a directory entry that pins a local organ to some other appliance must not let it in.
        boolean local = registry.tenant(sender).filter(t -> t.status() != TenantStatus.REMOVED).isPresent();
        String expected = local ? Pem.sha256Fingerprint(keys.tlsKey().certificate()) : entry.tlsCertificateSha256();
        if (peer == null || !Pem.sha256Fingerprint(peer).equals(expected)) {
            throw new ProblemException(Problem.of(403, "peer-not-sender-appliance", "Peer is not the sender's appliance",
                    "the TLS client certificate is not the one the routing directory pins for " + sender));
        }
    }

    private static ProblemException rejected(EnvelopeRejectedException e) {
        String slug = e.reason().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        int status = switch (e.reason()) {
            case MALFORMED, PAYLOAD_DIGEST_MISMATCH, BAD_SIGNATURE -> 400;
            default -> 403;
        };
        return new ProblemException(Problem.of(status, slug, "Envelope rejected", e.getMessage()));
    }

    private AxisResponse problem(AxisRequest request, String tenant, Problem problem, Map<String, String> headers) {
        metrics.rejected(tenant, LISTENER, problem.slug());
        if (IsolationAudit.isAttempt(LISTENER, problem.slug())) {
            X509Certificate peer = request.peerChain().isEmpty() ? null : request.peerChain().getFirst();
            // The request is described (its envelope decoded) only for the first refusal of its kind a minute.
            isolation.refused(LISTENER, tenant, RefusalAudit.caller("peer", peer, null), problem.slug(),
                    () -> request.method() + " " + request.path() + " " + RECIPIENT_HEADER + ": "
                            + request.header(RECIPIENT_HEADER).orElse("-") + " message: " + messageId(request));
        }
        return new AxisResponse(problem.status(), Problem.MEDIA_TYPE, problem.toJson(), headers);
    }

    /** The envelope's message id for the audit log, if it can be read at all. */
    private static String messageId(AxisRequest request) {
        try {
            return EnvelopeCodec.decode(request.body(), Integer.MAX_VALUE).header().messageId();
        } catch (RuntimeException e) {
            return "-";
        }
    }

    private static AxisResponse receiptResponse(byte[] receipt) {
        return new AxisResponse(200, SignedReceipt.MEDIA_TYPE, receipt, Map.of());
    }
}
