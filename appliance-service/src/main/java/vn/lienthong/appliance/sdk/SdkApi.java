package vn.lienthong.appliance.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import vn.lienthong.appliance.api.LocalApi;
import vn.lienthong.appliance.api.Problem;
import vn.lienthong.appliance.api.ProblemException;
import vn.lienthong.appliance.api.Submissions;
import vn.lienthong.appliance.edxml.EdxmlMessage;
import vn.lienthong.appliance.edxml.EdxmlTrace;
import vn.lienthong.appliance.edxml.StatusMessage;
import vn.lienthong.appliance.envelope.Envelope;
import vn.lienthong.appliance.envelope.EnvelopeCodec;
import vn.lienthong.appliance.ops.ApplianceMetrics;
import vn.lienthong.appliance.status.StatusHistory;
import vn.lienthong.appliance.tenancy.IsolationAudit;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.provisioning.registry.DirectoryEntry;
import vn.lienthong.provisioning.registry.Tenant;
import vn.lienthong.storage.queue.Delivery;
import vn.lienthong.storage.queue.DeliveryStatus;
import vn.lienthong.storage.queue.Inbox;
import vn.lienthong.storage.queue.InboxEntry;
import vn.lienthong.storage.queue.InboxSummary;
import vn.lienthong.storage.queue.Outbox;

/**
 * The operations the Government Office's SDK calls, on the local API, so that an agency's document
 * system that speaks to the axis today can use the appliance unchanged: {@code /sendEdoc},
 * {@code /getReceivedEdocList}, {@code /getEdoc}, {@code /updateStatus}, {@code /getSentEdocList},
 * {@code /getAgenciesList}. Answers have the SDK's JSON shape ({@code status}, {@code ErrorCode},
 * {@code ErrorDesc}, {@code data}, {@code DocId}). A request needs both the tenant's client
 * certificate and the SDK's HMAC headers ({@link SdkAuthentication}); it reads and writes the same
 * outbox and inbox as {@code /api/v1}.
 */
public final class SdkApi {

    /** The listener label of the SDK routes (served on the local API's port) in metrics and the audit log. */
    public static final String LISTENER = "sdk";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu/MM/dd HH:mm:ss");

    private final LocalApi api;
    private final ApplianceRegistry registry;
    private final Outbox outbox;
    private final Inbox inbox;
    private final StatusHistory statuses;
    private final SdkAuthentication authentication;
    private final IsolationAudit isolation;

    /** @param isolation counts and audits refusals (another tenant's docId, a bad HMAC) like the local API's */
    public SdkApi(LocalApi api, ApplianceRegistry registry, Outbox outbox, Inbox inbox, StatusHistory statuses,
                  java.util.function.Function<String, Optional<byte[]>> secrets, Clock clock,
                  IsolationAudit isolation) {
        this.api = api;
        this.isolation = isolation;
        this.registry = registry;
        this.outbox = outbox;
        this.inbox = inbox;
        this.statuses = statuses;
        this.authentication = new SdkAuthentication(secrets, clock);
    }

    /** Adds the SDK's routes; call before the local API's catch-all. */
    public void routing(HttpRouting.Builder routing) {
        Map<String, Handler> operations = Map.of(
                "/sendEdoc", this::sendEdoc,
                "/getReceivedEdocList", this::receivedList,
                "/getEdoc", this::getEdoc,
                "/updateStatus", this::updateStatus,
                "/getSentEdocList", this::sentList,
                "/getAgenciesList", this::agencies);
        operations.forEach((path, handler) -> {
            routing.post(path, (req, res) -> handle(req, res, handler));
            routing.get(path, (req, res) -> handle(req, res, handler));
        });
    }

    @FunctionalInterface
    private interface Handler {
        void handle(Tenant tenant, ServerRequest req, ServerResponse res);
    }

    private void handle(ServerRequest req, ServerResponse res, Handler handler) {
        String tenantLabel = ApplianceMetrics.UNKNOWN_TENANT;
        try {
            Tenant tenant = api.authenticate(req);
            tenantLabel = tenant.organId();
            authentication.verify(req, tenant);
            handler.handle(tenant, req, res);
        } catch (ProblemException e) {
            // Counted before the answer and audited in aggregate, as on /api/v1.
            isolation.refused(LISTENER, tenantLabel, LocalApi.actor(req), e.problem().slug(),
                    req.prologue().method().text() + " " + req.path().path());
            fail(res, e.problem());
        } catch (vn.lienthong.storage.StorageFullException e) {
            res.header("Retry-After", "60");
            fail(res, Problem.of(507, "insufficient-storage", "Insufficient storage",
                    "the appliance's store is full; nothing of this request was stored"));
        } catch (RuntimeException e) {
            System.getLogger(SdkApi.class.getName()).log(System.Logger.Level.ERROR, "SDK request failed: " + e, e);
            fail(res, Problem.of(500, "internal-error", "Internal error",
                    "the appliance failed to handle the request; the operator's log has the cause"));
        }
    }

    private void sendEdoc(Tenant tenant, ServerRequest req, ServerResponse res) {
        Map<String, byte[]> form;
        try {
            form = MultipartForm.parse(req.content().as(byte[].class),
                    req.headers().contentType().map(Object::toString).orElse(null));
        } catch (IllegalArgumentException e) {
            throw new ProblemException(Problem.of(400, "bad-form", "Bad form", e.getMessage()));
        }
        byte[] file = form.get("file_doc");
        if (file == null) {
            throw new ProblemException(Problem.of(400, "bad-form", "Bad form", "the file_doc part is missing"));
        }
        String from = text(form, "from");
        if (from != null && !from.equals(tenant.organId())) {
            throw new ProblemException(Problem.of(403, "sender-not-tenant", "Sender is not this tenant",
                    "from is " + from + " but this client acts for " + tenant.organId()));
        }
        String messageType = Optional.ofNullable(text(form, "messagetype")).orElse("edoc").toLowerCase(Locale.ROOT);
        if (!messageType.equals("edoc") && !messageType.equals("status")) {
            throw new ProblemException(Problem.of(400, "bad-parameter", "Bad parameter",
                    "messagetype must be edoc or status"));
        }
        Submissions.Submitted submitted = api.submissions().submit(tenant, new ByteArrayInputStream(file),
                Optional.empty());
        boolean status = submitted.message() instanceof StatusMessage;
        if (status != messageType.equals("status")) {
            // Stored already (durably and idempotently): say so rather than pretend it was refused.
            System.getLogger(SdkApi.class.getName()).log(System.Logger.Level.INFO, "message " + submitted.messageId()
                    + " was sent as messagetype " + messageType + " but is a " + (status ? "status" : "document"));
        }
        String to = text(form, "to");
        if (to != null) {
            requireSameRecipients(to, submitted.message());
        }
        ObjectNode answer = ok();
        answer.put("DocId", submitted.messageId());
        send(res, answer);
    }

    /** The SDK's {@code to} (a JSON array of organ ids) must name the message's own recipients. */
    private static void requireSameRecipients(String to, EdxmlMessage message) {
        try {
            JsonNode list = JSON.readTree(to);
            List<String> named = new ArrayList<>();
            if (list.isArray()) {
                list.forEach(n -> named.add(n.isTextual() ? n.asText() : n.path("OrganId").asText(n.path("code").asText())));
            } else {
                named.add(list.asText(to));
            }
            if (!new HashSet<>(named).equals(new HashSet<>(message.recipientOrganIds()))) {
                System.getLogger(SdkApi.class.getName()).log(System.Logger.Level.INFO,
                        "the SDK's 'to' " + named + " differs from the message's recipients " + message.recipientOrganIds()
                                + "; the message's own recipients were used");
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // A plain organ id rather than JSON: the message's recipients are what routes it anyway.
        }
    }

    private void receivedList(Tenant tenant, ServerRequest req, ServerResponse res) {
        String wanted = req.query().first("messagetype").asOptional()
                .or(() -> req.headers().first(HeaderNames.create("messagetype"))).orElse(null);
        ArrayNode data = JSON.createArrayNode();
        // Index records only: a listing never reads a document's body, however large.
        for (InboxSummary entry : inbox.pending(tenant.organId(), 1000)) {
            String type = Objects.requireNonNullElse(entry.kind(), "edoc");
            if (wanted != null && !wanted.equalsIgnoreCase(type)) {
                continue;
            }
            ObjectNode node = data.addObject();
            node.put("docId", entry.id());
            node.put("serviceType", "eDoc");
            node.put("messageType", type);
            node.put("from", entry.sender());
            node.put("created_time", TIME.format(Objects.requireNonNullElse(entry.createdAt(), entry.receivedAt())
                    .atZone(EdxmlTrace.VIETNAM)));
        }
        ObjectNode answer = ok();
        answer.set("data", data);
        send(res, answer);
    }

    private void getEdoc(Tenant tenant, ServerRequest req, ServerResponse res) {
        String docId = LocalApi.inboxId(parameter(req, "docId"));
        InboxEntry entry = inbox.get(tenant.organId(), docId).orElseThrow(() -> new ProblemException(Problem.of(404,
                "unknown-message", "Unknown message", "this tenant received no document with docId " + docId)));
        Envelope envelope = EnvelopeCodec.decode(entry.envelope(), Integer.MAX_VALUE);
        res.header(HeaderNames.CONTENT_TYPE, "application/xml")
                .header(LocalApi.XML_SIGNATURE_HEADER, api.xmlSignature(envelope.payload()).header())
                .header("Lienthong-Message-Id", entry.messageId())
                .header("Lienthong-Sender", entry.sender())
                .send(envelope.payload());
    }

    private void updateStatus(Tenant tenant, ServerRequest req, ServerResponse res) {
        String docId = LocalApi.inboxId(parameter(req, "docId"));
        String status = parameter(req, "status").toLowerCase(Locale.ROOT);
        if (inbox.summary(tenant.organId(), docId).isEmpty()) {
            throw new ProblemException(Problem.of(404, "unknown-message", "Unknown message",
                    "this tenant received no document with docId " + docId));
        }
        switch (status) {
            // "done" ends the transport of the message: it leaves the pending list, as with /api/v1 ack.
            case "done" -> inbox.acknowledge(tenant.organId(), docId, java.time.Instant.now());
            // "processing" and "fail" keep it pending, so the document system fetches it again.
            case "processing", "fail" -> { }
            default -> throw new ProblemException(Problem.of(400, "bad-parameter", "Bad parameter",
                    "status must be processing, done or fail"));
        }
        send(res, ok());
    }

    private void sentList(Tenant tenant, ServerRequest req, ServerResponse res) {
        // Paged like the inbox: a limit (default 100, at most 1000), and "next" to pass as "after" for more.
        int limit = LocalApi.intParameter(req, "limit", 100, 1, 1000);
        StatusHistory.Page page = statuses.sent(tenant.organId(),
                req.query().first("after").asOptional().orElse(null), limit);
        ArrayNode data = JSON.createArrayNode();
        for (StatusHistory.Sent sent : page.sent()) {
            for (String to : sent.to()) {
                ObjectNode node = data.addObject();
                node.put("docId", sent.messageId());
                node.put("fromCode", tenant.organId());
                node.put("toCode", to);
                node.put("messageType", sent.kind());
                node.put("notation", sent.notation());
                node.put("title", sent.title());
                node.put("sentTime", TIME.format(sent.sentAt().atZone(EdxmlTrace.VIETNAM)));
                Optional<Delivery> delivery = outbox.delivery(tenant.organId(), sent.messageId(), to);
                node.put("sendStatus", delivery.map(d -> d.status() == DeliveryStatus.DELIVERED ? "done" : "processing")
                        .orElse("processing"));
                delivery.map(Delivery::deliveredAt).ifPresent(at -> node.put("receivedTime",
                        TIME.format(at.atZone(EdxmlTrace.VIETNAM))));
                List<StatusHistory.Entry> history = statuses.history(tenant.organId(), sent.messageId()).stream()
                        .filter(s -> s.from().equals(to)).toList();
                node.put("receiveStatus", history.isEmpty() ? null : history.getLast().statusCode());
            }
        }
        ObjectNode answer = ok();
        answer.set("data", data);
        if (page.next() != null) {
            answer.put("next", page.next());
        }
        send(res, answer);
    }

    private void agencies(Tenant tenant, ServerRequest req, ServerResponse res) {
        ArrayNode data = JSON.createArrayNode();
        for (DirectoryEntry entry : registry.directory()) {
            ObjectNode node = data.addObject();
            node.put("code", entry.organId());
            registry.tenant(entry.organId()).ifPresent(t -> node.put("name", t.name()));
        }
        ObjectNode answer = ok();
        answer.set("data", data);
        send(res, answer);
    }

    private static String parameter(ServerRequest req, String name) {
        return req.query().first(name).asOptional()
                .or(() -> req.headers().first(HeaderNames.create(name)))
                .orElseThrow(() -> new ProblemException(Problem.of(400, "bad-parameter", "Bad parameter",
                        name + " is required (as a query parameter or a header)")));
    }

    private static String text(Map<String, byte[]> form, String name) {
        byte[] value = form.get(name);
        return value == null ? null : new String(value, StandardCharsets.UTF_8).strip();
    }

    private static ObjectNode ok() {
        ObjectNode answer = JSON.createObjectNode();
        answer.put("status", "OK");
        answer.put("ErrorCode", "0");
        answer.put("ErrorDesc", "");
        return answer;
    }

    private static void send(ServerResponse res, ObjectNode answer) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json").send(answer.toString());
    }

    /** The SDK's failure shape, with the problem's HTTP status and its name as ErrorCode. */
    private void fail(ServerResponse res, Problem problem) {
        ObjectNode answer = JSON.createObjectNode();
        answer.put("status", "FAIL");
        answer.put("ErrorCode", problem.slug());
        answer.put("ErrorDesc", problem.detail());
        problem.extensions().forEach(answer::put);
        res.status(Status.create(problem.status()))
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .send(answer.toString());
    }
}
