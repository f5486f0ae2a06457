package vn.lienthong.appliance.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import vn.lienthong.appliance.edxml.EdxmlLimits;
import vn.lienthong.appliance.edxml.XmlSignature;
import vn.lienthong.appliance.edxml.XmlSignatureCheck;
import vn.lienthong.appliance.status.StatusHistory;
import vn.lienthong.appliance.envelope.Envelope;
import vn.lienthong.appliance.envelope.EnvelopeCodec;
import vn.lienthong.appliance.envelope.EnvelopeHeader;
import vn.lienthong.appliance.envelope.SignedReceipt;
import vn.lienthong.appliance.evidence.EvidenceFile;
import vn.lienthong.appliance.keys.ApplianceKeys;
import vn.lienthong.appliance.keys.MissingKeyException;
import vn.lienthong.appliance.ops.ApplianceMetrics;
import vn.lienthong.appliance.audit.RefusalAudit;
import vn.lienthong.appliance.tenancy.IsolationAudit;
import vn.lienthong.appliance.tenancy.SubmissionRate;
import vn.lienthong.hsm.HsmException;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.provisioning.registry.Tenant;
import vn.lienthong.provisioning.registry.TenantStatus;
import vn.lienthong.storage.IntakeClosedException;
import vn.lienthong.storage.StorageFullException;
import vn.lienthong.storage.queue.Delivery;
import vn.lienthong.storage.queue.Inbox;
import vn.lienthong.storage.queue.InboxEntry;
import vn.lienthong.storage.queue.InboxSummary;
import vn.lienthong.storage.queue.Outbox;
import vn.lienthong.storage.queue.OutboxEntry;
import vn.lienthong.storage.queue.OutboxMessage;
import vn.lienthong.storage.queue.PutResult;

/**
 * The local API a tenant's document system (DMS) talks to, over mutual TLS. The tenant is always
 * the one whose registered DMS certificate the client presented, never a field of the request.
 * Errors are RFC 9457 problem+json.
 */
public final class LocalApi {

    /** The most a long-poll may wait, in seconds. */
    static final int MAX_WAIT_SECONDS = 60;
    private static final String LISTENER = "api";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The payload type of edXML documents and status messages in envelopes. */
    public static final String EDXML_CONTENT_TYPE = "application/edxml+xml";
    /**
     * Tells the document system what became of the XMLDSig in an edXML message: none,
     * valid; signer*=UTF-8''…; signer-sha256=…, or invalid; reason=….
     */
    public static final String XML_SIGNATURE_HEADER = "Lienthong-Edxml-Signature";

    private final ApplianceRegistry registry;
    private final ApplianceKeys keys;
    private final Outbox outbox;
    private final Inbox inbox;
    private final ApplianceMetrics metrics;
    private final Clock clock;
    private final Runnable outboxChanged;
    private final Duration inboxVisibility;
    private final StatusHistory statuses;
    private final Submissions submissions;
    private final IsolationAudit isolation;
    private final boolean acceptSha1Signatures;
    private final vn.lienthong.appliance.ops.RepeatedLog failures;
    /** The largest edXML message the local API takes (the axis carries it in an envelope of at most 32 MiB). */
    static final int MAX_SUBMISSION_BYTES = 30 * 1024 * 1024;

    /**
     * @param outboxChanged told after a submission is stored, so the forwarder starts at once
     * @param inboxVisibility how long a fetched message stays out of the inbox list unless acknowledged
     * @param isolation counts and audits attempts to reach another tenant's messages or identity
     * @param submissionRate each tenant's submissions per minute, against its quota
     * @param acceptSha1Signatures whether an incoming XMLDSig made with SHA-1 counts as valid (marked weak)
     */
    public LocalApi(ApplianceRegistry registry, ApplianceKeys keys, Outbox outbox, Inbox inbox,
                    ApplianceMetrics metrics, Clock clock, Runnable outboxChanged, Duration inboxVisibility,
                    StatusHistory statuses, IsolationAudit isolation, SubmissionRate submissionRate,
                    boolean acceptSha1Signatures) {
        this.acceptSha1Signatures = acceptSha1Signatures;
        this.failures = new vn.lienthong.appliance.ops.RepeatedLog(System.getLogger(LocalApi.class.getName()), "api",
                metrics, clock, vn.lienthong.appliance.ops.RepeatedLog.MINUTE);
        this.inboxVisibility = inboxVisibility;
        this.isolation = isolation;
        this.registry = registry;
        this.keys = keys;
        this.outbox = outbox;
        this.inbox = inbox;
        this.metrics = metrics;
        this.clock = clock;
        this.outboxChanged = outboxChanged;
        this.statuses = statuses;
        this.submissions = new Submissions(registry, keys, outbox, metrics, clock, outboxChanged, statuses,
                EdxmlLimits.DEFAULT.withMaxBytes(MAX_SUBMISSION_BYTES),
                (tenant, edxml) -> registry.signsEdxml(tenant.organId())
                        ? keys.withTenantToken(tenant, () -> XmlSignature.sign(edxml, keys.tenantKey(tenant)))
                        : edxml, submissionRate);
    }

    /** The submissions this API stores through, shared with the SDK facade. */
    public Submissions submissions() {
        return submissions;
    }

    public void routing(HttpRouting.Builder routing) {
        routing.post("/api/v1/outbox", (req, res) -> handle(req, res, this::submit))
                .get("/api/v1/outbox/{id}", (req, res) -> handle(req, res, this::outboxStatus))
                .get("/api/v1/outbox/{id}/evidence", (req, res) -> handle(req, res, this::evidence))
                .get("/api/v1/inbox", (req, res) -> handle(req, res, this::inboxList))
                .get("/api/v1/inbox/{id}", (req, res) -> handle(req, res, this::inboxMessage))
                .post("/api/v1/inbox/{id}/ack", (req, res) -> handle(req, res, this::acknowledge))
                .any((req, res) -> handle(req, res, (tenant, r, s) -> {
                    throw new ProblemException(Problem.of(404, "not-found", "Not found",
                            "there is no " + r.prologue().method().text() + " " + r.path().path()
                                    + " on the local API"));
                }));
    }

    @FunctionalInterface
    private interface TenantHandler {
        void handle(Tenant tenant, ServerRequest req, ServerResponse res) throws Exception;
    }

    private void handle(ServerRequest req, ServerResponse res, TenantHandler handler) {
        String tenantLabel = ApplianceMetrics.UNKNOWN_TENANT;
        Problem problem;
        Map<String, String> headers = Map.of();
        try {
            Tenant tenant = authenticate(req);
            tenantLabel = tenant.organId();
            handler.handle(tenant, req, res);
            return;
        } catch (ProblemException e) {
            problem = e.problem();
            headers = e.headers();
        } catch (StorageFullException e) {
            problem = Problem.of(507, "insufficient-storage", "Insufficient storage",
                    "the appliance's store is full; nothing of this request was stored"
                            + (e instanceof IntakeClosedException
                            ? " (new documents are taken again once deliveries have made room; try again later)" : ""));
            headers = Map.of("Retry-After", "60");
        } catch (HsmException e) {
            problem = Problem.of(503, "hsm-unavailable", "HSM unavailable", "the HSM could not sign: " + e.getMessage());
            headers = Map.of("Retry-After", "5");
        } catch (MissingKeyException e) {
            problem = Problem.of(503, "tenant-key-missing", "Tenant key missing", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problem = Problem.of(503, "shutting-down", "Shutting down", "the appliance is stopping");
            headers = Map.of("Retry-After", "5");
        } catch (Exception e) {
            // A request that keeps failing so is logged once a minute with a count, not once per request.
            failures.log(System.Logger.Level.ERROR, e.getClass().getName(),
                    "local API request failed for tenant " + tenantLabel + ": " + e, e);
            problem = Problem.of(500, "internal-error", "Internal error",
                    "the appliance failed to handle the request; the operator's log has the cause");
        }
        // Counted before the answer, so that a client that has its refusal finds it in the metrics; the audit
        // log holds it in its minute's aggregate.
        isolation.refused(LISTENER, tenantLabel, actor(req), problem.slug(),
                req.prologue().method().text() + " " + req.path().path());
        answer(res, tenantLabel, problem, headers);
    }

    /** Who made the request, for the audit log: the client certificate's subject and fingerprint, else its address. */
    public static String actor(ServerRequest req) {
        X509Certificate leaf = req.remotePeer().tlsCertificates()
                .filter(chain -> chain.length > 0 && chain[0] instanceof X509Certificate)
                .map(chain -> (X509Certificate) chain[0])
                .orElse(null);
        return RefusalAudit.caller("dms", leaf, address(req));
    }

    /** The client's IP address (without the port: one client, many connections). */
    static String address(ServerRequest req) {
        return req.remotePeer().address() instanceof java.net.InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : null;
    }

    private void answer(ServerResponse res, String tenant, Problem problem, Map<String, String> headers) {
        if (problem.status() != 404 || !"not-found".equals(problem.slug())) {
            metrics.rejected(tenant, LISTENER, problem.slug());
        }
        headers.forEach((name, value) -> res.header(name, value));
        res.status(Status.create(problem.status()))
                .header(HeaderNames.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .send(problem.toJson());
    }

    /** The tenant whose registered DMS certificate the client presented in the TLS handshake. */
    public Tenant authenticate(ServerRequest req) {
        X509Certificate leaf = req.remotePeer().tlsCertificates()
                .filter(chain -> chain.length > 0)
                .map(chain -> chain[0])
                .filter(X509Certificate.class::isInstance)
                .map(X509Certificate.class::cast)
                .orElseThrow(() -> new ProblemException(Problem.of(401, "client-certificate-required",
                        "Client certificate required", "the local API needs a document system's client certificate")));
        String fingerprint = Pem.sha256Fingerprint(leaf);
        Tenant tenant = registry.tenantByDmsCertificate(fingerprint).orElseThrow(() -> new ProblemException(
                Problem.of(403, "unknown-client-certificate", "Unknown client certificate",
                "the client certificate " + leaf.getSubjectX500Principal().getName() + " (SHA-256 " + fingerprint
                        + ") belongs to no tenant of this appliance")));
        ClientRevocation.requireTrusted(req.remotePeer().tlsCertificates().orElseThrow(), registry, clock.instant());
        if (tenant.status() != TenantStatus.ACTIVE) {
            throw new ProblemException(Problem.of(403, "tenant-suspended", "Tenant suspended",
                    "tenant " + tenant.organId() + " is suspended on this appliance; its operator can resume it"));
        }
        return tenant;
    }

    private void submit(Tenant tenant, ServerRequest req, ServerResponse res) {
        Submissions.Submitted submitted = submissions.submit(tenant, req.content().inputStream(),
                req.headers().first(HeaderNames.create("Idempotency-Key")));
        String messageId = submitted.messageId();
        ObjectNode answer = JSON.createObjectNode();
        answer.put("id", messageId);
        answer.put("status", "/api/v1/outbox/" + messageId);
        answer.put("duplicate", submitted.duplicate());
        res.status(Status.ACCEPTED_202)
                .header(HeaderNames.LOCATION, "/api/v1/outbox/" + messageId)
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .send(answer.toString());
    }

    /**
     * The {@code {id}} of the path, refused with 400 unless it has the shape of a message id (an
     * over-long one would not even fit a storage key).
     */
    public static String messageId(String id) {
        if (id == null || !EnvelopeHeader.isValidMessageId(id)) {
            throw new ProblemException(Problem.of(400, "invalid-message-id", "Invalid message id",
                    "a message id is 1 to 128 letters, digits, '.', '_', ':' or '-'"));
        }
        return id;
    }

    /**
     * The {@code {id}} of an inbox path or the SDK's {@code docId}: a message id, or, where two senders
     * used one message id, the inbox's {@code MESSAGE_ID~SENDER[~SEQ[.N]]}; anything else is refused with 400.
     */
    public static String inboxId(String id) {
        String[] parts = id == null ? new String[0] : id.split("~", -1);
        boolean valid = parts.length >= 1 && parts.length <= 3 && EnvelopeHeader.isValidMessageId(parts[0])
                && (parts.length < 2 || vn.lienthong.appliance.edxml.OrganId.isValid(parts[1]))
                && (parts.length < 3 || INBOX_ID_SEQUENCE.matcher(parts[2]).matches());
        if (!valid) {
            throw new ProblemException(Problem.of(400, "invalid-message-id", "Invalid message id",
                    "an inbox id is a message id (1 to 128 letters, digits, '.', '_', ':' or '-'), as the inbox"
                            + " lists it, with '~SENDER' and '~SEQUENCE' where two senders used the same id"));
        }
        return id;
    }

    /** The arrival sequence of an inbox id, and the number added should even that be taken. */
    private static final java.util.regex.Pattern INBOX_ID_SEQUENCE = java.util.regex.Pattern.compile("[0-9]{1,19}(\\.[0-9]{1,3})?");

    /** A query parameter naming an organ, refused with 400 unless it has the shape of an organ id. */
    private static Optional<String> organParameter(ServerRequest req, String name) {
        Optional<String> value = req.query().first(name).asOptional();
        if (value.isPresent() && !vn.lienthong.appliance.edxml.OrganId.isValid(value.get())) {
            throw new ProblemException(Problem.of(400, "invalid-organ-id", "Invalid organ id",
                    name + " must be an organ id: dot-separated groups of letters and digits, at most "
                            + vn.lienthong.appliance.edxml.OrganId.MAX_LENGTH + " characters"));
        }
        return value;
    }

    private OutboxEntry outboxEntry(Tenant tenant, ServerRequest req) {
        String id = messageId(req.path().pathParameters().get("id"));
        return outbox.get(tenant.organId(), id).orElseThrow(() -> new ProblemException(Problem.of(404,
                "unknown-message", "Unknown message", "this tenant sent no message with id " + id)));
    }

    private void outboxStatus(Tenant tenant, ServerRequest req, ServerResponse res) {
        OutboxEntry entry = outboxEntry(tenant, req);
        ObjectNode answer = JSON.createObjectNode();
        answer.put("id", entry.messageId());
        answer.put("acceptedAt", entry.acceptedAt().toString());
        answer.put("delivered", entry.fullyDelivered());
        ArrayNode deliveries = answer.putArray("recipients");
        List<StatusHistory.Entry> statusHistory = statuses.history(tenant.organId(), entry.messageId());
        for (Delivery d : entry.deliveries()) {
            ObjectNode node = deliveries.addObject();
            node.put("organId", d.recipient());
            node.put("status", DeliveryStates.name(d, clock.instant()));
            node.put("attempts", d.attempts());
            if (d.deliveredAt() != null) {
                node.put("deliveredAt", d.deliveredAt().toString());
            } else if (d.failedAt() != null) {
                node.put("failedAt", d.failedAt().toString());
            } else if (d.nextAttemptAt() != null) {
                node.put("nextAttemptAt", d.nextAttemptAt().toString());
            }
            if (d.lastError() != null) {
                node.put(d.status() == vn.lienthong.storage.queue.DeliveryStatus.FAILED ? "reason" : "lastError",
                        d.lastError());
            }
            ArrayNode history = node.putArray("statusHistory");
            for (StatusHistory.Entry s : statusHistory) {
                if (s.from().equals(d.recipient())) {
                    ObjectNode h = history.addObject();
                    h.put("statusCode", s.statusCode());
                    if (s.description() != null) {
                        h.put("description", s.description());
                    }
                    h.put("timestamp", s.timestamp());
                    h.put("receivedAt", s.receivedAt().toString());
                    h.put("statusMessageId", s.statusMessageId());
                }
            }
        }
        sendJson(res, answer);
    }

    private void evidence(Tenant tenant, ServerRequest req, ServerResponse res) {
        OutboxEntry entry = outboxEntry(tenant, req);
        Optional<String> asked = organParameter(req, "recipient");
        List<Delivery> candidates = entry.deliveries().stream()
                .filter(d -> asked.map(d.recipient()::equals).orElse(true))
                .toList();
        if (candidates.isEmpty()) {
            throw new ProblemException(Problem.of(404, "unknown-recipient", "Unknown recipient",
                    "message " + entry.messageId() + " was not sent to " + asked.orElse("")));
        }
        if (candidates.size() > 1) {
            throw new ProblemException(Problem.of(400, "recipient-required", "Recipient required",
                    "message " + entry.messageId() + " has several recipients: add ?recipient=ORGAN_ID"));
        }
        Delivery delivery = candidates.getFirst();
        if (delivery.receipt() == null) {
            throw new ProblemException(Problem.of(409, "not-delivered-yet", "Not delivered yet",
                    "there is no receipt from " + delivery.recipient() + " yet; evidence exists once it is delivered"));
        }
        byte[] file = EvidenceFile.write(stored(entry.envelope()),
                SignedReceipt.decode(delivery.receipt()));
        res.header(HeaderNames.CONTENT_TYPE, "application/zip")
                .header(HeaderNames.CONTENT_DISPOSITION,
                        "attachment; filename=\"" + entry.messageId() + "-" + delivery.recipient() + ".evidence\"")
                .send(file);
    }

    private void inboxList(Tenant tenant, ServerRequest req, ServerResponse res) throws InterruptedException {
        int waitSeconds = intParameter(req, "wait", 0, 0, MAX_WAIT_SECONDS);
        int limit = intParameter(req, "limit", 100, 1, 1000);
        // Fetched messages stay out of the list until acknowledged or their visibility timeout ends.
        // Index records only: a listing never reads a document's body, however large.
        List<InboxSummary> pending = waitSeconds == 0
                ? inbox.visible(tenant.organId(), limit, clock.instant())
                : inbox.awaitVisible(tenant.organId(), limit, Duration.ofSeconds(waitSeconds), clock);
        ObjectNode answer = JSON.createObjectNode();
        ArrayNode messages = answer.putArray("messages");
        for (InboxSummary entry : pending) {
            ObjectNode node = messages.addObject();
            node.put("id", entry.id());
            node.put("messageId", entry.messageId());
            node.put("sender", entry.sender());
            node.put("receivedAt", entry.receivedAt().toString());
            if (entry.createdAt() != null) {
                node.put("createdAt", entry.createdAt().toString());
            }
            if (entry.contentType() != null) {
                node.put("contentType", entry.contentType());
            }
            node.put("size", entry.size());
        }
        sendJson(res, answer);
    }

    private void inboxMessage(Tenant tenant, ServerRequest req, ServerResponse res) {
        String id = inboxId(req.path().pathParameters().get("id"));
        InboxEntry entry = inbox.fetch(tenant.organId(), id, clock.instant(), inboxVisibility)
                .orElseThrow(() -> new ProblemException(Problem.of(404,
                "unknown-message", "Unknown message", "this tenant's inbox has no message with id " + id)));
        Envelope envelope = stored(entry.envelope());
        if (EDXML_CONTENT_TYPE.equals(envelope.header().contentType())) {
            // The organisation's XMLDSig inside the edXML, checked now against today's trust anchors.
            res.header(XML_SIGNATURE_HEADER, xmlSignature(envelope.payload()).header());
        }
        res.header(HeaderNames.CONTENT_TYPE, envelope.header().contentType())
                .header("Lienthong-Message-Id", entry.messageId())
                .header("Lienthong-Sender", entry.sender())
                .send(envelope.payload());
    }

    /**
     * The organisation's XMLDSig inside an edXML message, checked now against today's trust anchors;
     * SHA-1 only where the configuration accepts it ({@code edxml.accept-sha1-signatures}).
     */
    public XmlSignatureCheck.Result xmlSignature(byte[] edxml) {
        return XmlSignatureCheck.check(edxml, registry.trustAnchors(), registry.revocationLists(), clock.instant(),
                acceptSha1Signatures);
    }

    private void acknowledge(Tenant tenant, ServerRequest req, ServerResponse res) {
        String id = inboxId(req.path().pathParameters().get("id"));
        if (!inbox.acknowledge(tenant.organId(), id, clock.instant())) {
            throw new ProblemException(Problem.of(404, "unknown-message", "Unknown message",
                    "this tenant's inbox has no message with id " + id));
        }
        res.status(Status.NO_CONTENT_204).send();
    }

    /** A whole-number query parameter from {@code min} to {@code max}, else 400 bad-parameter. */
    public static int intParameter(ServerRequest req, String name, int defaultValue, int min, int max) {
        Optional<String> value = req.query().first(name).asOptional();
        if (value.isEmpty()) {
            return defaultValue;
        }
        try {
            int parsed = Integer.parseInt(value.get());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ProblemException(Problem.of(400, "bad-parameter", "Bad parameter",
                name + " must be a whole number from " + min + " to " + max));
    }

    private static void sendJson(ServerResponse res, ObjectNode node) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json").send(node.toString());
    }

    /** An envelope this appliance stored itself (its size was checked when it came in). */
    private static Envelope stored(byte[] encoded) {
        return EnvelopeCodec.decode(encoded, Integer.MAX_VALUE);
    }
}
