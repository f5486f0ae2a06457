package vn.lienthong.appliance.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import vn.lienthong.appliance.api.ClientRevocation;
import vn.lienthong.appliance.api.Problem;
import vn.lienthong.appliance.api.ProblemException;
import vn.lienthong.appliance.audit.RefusalAudit;
import vn.lienthong.appliance.keys.ApplianceKeys;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.provisioning.cert.CertificateExpiry;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.provisioning.registry.Operator;
import vn.lienthong.provisioning.registry.OperatorRole;
import vn.lienthong.provisioning.registry.Tenant;
import vn.lienthong.provisioning.registry.TenantQuota;
import vn.lienthong.provisioning.registry.TenantStatus;
import vn.lienthong.storage.audit.AuditEvent;
import vn.lienthong.storage.audit.AuditLog;
import vn.lienthong.storage.queue.Outbox;
import vn.lienthong.storage.queue.TenantUsage;

/**
 * The operator API ({@code /operator/v1/...}), over mutual TLS: the operator is the one whose
 * registered client certificate was presented, and their role decides what they may do. Every
 * call, allowed or refused, is recorded in the audit log with the operator's name, role and
 * certificate fingerprint. Changes take effect at once, as with the CLI.
 */
public final class OperatorApi {

    /** The audit action of every operator API call. */
    public static final String ACTION = "operator-api";
    /** The listener label of the operator API in metrics and the audit log. */
    public static final String LISTENER = "operator";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<OperatorRole> ANY = EnumSet.allOf(OperatorRole.class);
    private static final Set<OperatorRole> REGISTRATION = EnumSet.of(OperatorRole.REGISTRATION_OFFICER);
    private static final Set<OperatorRole> SECURITY = EnumSet.of(OperatorRole.SECURITY_OFFICER);

    private final ApplianceRegistry registry;
    private final Outbox outbox;
    private final ApplianceKeys keys;
    private final AuditLog audit;
    private final Clock clock;
    private final RefusalAudit refusals;

    /** @param refusals counts and audits (aggregated) the calls of certificates that are no operator's */
    public OperatorApi(ApplianceRegistry registry, Outbox outbox, ApplianceKeys keys, AuditLog audit, Clock clock,
                       RefusalAudit refusals) {
        this.refusals = refusals;
        this.registry = registry;
        this.outbox = outbox;
        this.keys = keys;
        this.audit = audit;
        this.clock = clock;
    }

    /** What a call answers (null body: 204), sent only once the call is in the audit log. */
    private record Reply(JsonNode body) {
    }

    @FunctionalInterface
    private interface Call {
        Reply handle(ServerRequest req, ServerResponse res) throws Exception;
    }

    public void routing(HttpRouting.Builder routing) {
        routing.get("/operator/v1/tenants", (req, res) -> handle(req, res, ANY, this::tenants))
                .post("/operator/v1/tenants/{organ}/suspend", (req, res) -> handle(req, res, REGISTRATION,
                        (q, s) -> status(q, s, TenantStatus.SUSPENDED)))
                .post("/operator/v1/tenants/{organ}/resume", (req, res) -> handle(req, res, REGISTRATION,
                        (q, s) -> status(q, s, TenantStatus.ACTIVE)))
                .post("/operator/v1/tenants/{organ}/remove", (req, res) -> handle(req, res, REGISTRATION,
                        (q, s) -> status(q, s, TenantStatus.REMOVED)))
                .put("/operator/v1/tenants/{organ}/quota", (req, res) -> handle(req, res, REGISTRATION, this::quota))
                .get("/operator/v1/certificates", (req, res) -> handle(req, res, ANY, this::certificates))
                .post("/operator/v1/keys/reload", (req, res) -> handle(req, res, SECURITY, this::reloadKeys))
                .any((req, res) -> handle(req, res, ANY, (q, s) -> {
                    throw new ProblemException(Problem.of(404, "not-found", "Not found",
                            "there is no " + q.prologue().method().text() + " " + q.path().path() + " on the operator API"));
                }));
    }

    private void handle(ServerRequest req, ServerResponse res, Set<OperatorRole> allowed, Call call) {
        String request = req.prologue().method().text() + " " + req.path().path();
        String actor = null;
        Problem problem;
        X509Certificate presented = req.remotePeer().tlsCertificates()
                .filter(chain -> chain.length > 0 && chain[0] instanceof X509Certificate)
                .map(chain -> (X509Certificate) chain[0])
                .orElse(null);
        try {
            X509Certificate leaf = java.util.Optional.ofNullable(presented)
                    .orElseThrow(() -> new ProblemException(Problem.of(401, "client-certificate-required",
                            "Client certificate required", "the operator API needs an operator's client certificate")));
            String fingerprint = Pem.sha256Fingerprint(leaf);
            Operator operator = registry.operatorByCertificate(fingerprint).orElseThrow(() -> new ProblemException(
                    Problem.of(403, "unknown-operator", "Unknown operator", "the client certificate "
                            + leaf.getSubjectX500Principal().getName() + " belongs to no operator of this appliance")));
            actor = "operator:" + operator.name() + " role:" + operator.role().word() + " sha256:" + fingerprint;
            ClientRevocation.requireTrusted(req.remotePeer().tlsCertificates().orElseThrow(), registry,
                    clock.instant());
            if (!allowed.contains(operator.role())) {
                throw new ProblemException(Problem.of(403, "role-not-permitted", "Role not permitted",
                        "the " + operator.role().word() + " role may not " + request));
            }
            Reply reply = call.handle(req, res);
            record(actor, request + " -> " + (reply.body() == null ? 204 : 200));
            if (reply.body() == null) {
                res.status(Status.NO_CONTENT_204).send();
            } else {
                res.header(HeaderNames.CONTENT_TYPE, "application/json").send(reply.body().toString());
            }
            return;
        } catch (ProblemException e) {
            problem = e.problem();
        } catch (IllegalArgumentException | IllegalStateException e) {
            problem = Problem.of(409, "refused", "Refused", e.getMessage());
        } catch (Exception e) {
            System.getLogger(OperatorApi.class.getName()).log(System.Logger.Level.ERROR,
                    "operator API request failed: " + e, e);
            problem = Problem.of(500, "internal-error", "Internal error",
                    "the appliance failed to handle the request; the operator's log has the cause");
        }
        if (actor == null) {
            // No operator's certificate: counted and audited as an aggregate, so a loop of such calls cannot fill the store.
            refusals.refused(LISTENER, RefusalAudit.caller("operator", presented, null), problem.slug(),
                    () -> "request=" + request);
        } else {
            record(actor, request + " -> " + problem.status() + " " + problem.slug());
        }
        res.status(Status.create(problem.status()))
                .header(HeaderNames.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .send(problem.toJson());
    }

    private void record(String actor, String detail) {
        try {
            audit.append(new AuditEvent(clock.instant(), actor, ACTION, detail));
        } catch (RuntimeException e) {
            System.getLogger(OperatorApi.class.getName()).log(System.Logger.Level.WARNING,
                    "the audit log could not record an operator API call: " + e.getMessage());
        }
    }

    private Reply tenants(ServerRequest req, ServerResponse res) {
        ArrayNode list = JSON.createArrayNode();
        for (Tenant tenant : registry.tenants()) {
            ObjectNode node = list.addObject();
            node.put("organId", tenant.organId());
            node.put("name", tenant.name());
            node.put("status", tenant.status().word());
            node.put("dmsCertificates", tenant.dmsCertificateSha256().size());
            ObjectNode quota = node.putObject("quota");
            quota.put("queuedDocuments", tenant.quota().queuedDocuments());
            quota.put("queuedBytes", tenant.quota().queuedBytes());
            quota.put("submissionsPerMinute", tenant.quota().submissionsPerMinute());
            quota.put("inboxDocuments", tenant.quota().inboxDocuments());
            quota.put("inboxBytes", tenant.quota().inboxBytes());
            TenantUsage usage = outbox.usage(tenant.organId());
            ObjectNode waiting = node.putObject("queued");
            waiting.put("documents", usage.documents());
            waiting.put("bytes", usage.bytes());
        }
        return new Reply(list);
    }

    private Reply status(ServerRequest req, ServerResponse res, TenantStatus target) {
        Tenant changed = registry.changeTenantStatus(req.path().pathParameters().get("organ"), target);
        ObjectNode node = JSON.createObjectNode();
        node.put("organId", changed.organId());
        node.put("status", changed.status().word());
        return new Reply(node);
    }

    private Reply quota(ServerRequest req, ServerResponse res) {
        String organ = req.path().pathParameters().get("organ");
        Tenant tenant = registry.tenant(organ).orElseThrow(() -> new ProblemException(Problem.of(404,
                "unknown-tenant", "Unknown tenant", "there is no tenant " + organ)));
        JsonNode body;
        try {
            body = JSON.readTree(req.content().as(byte[].class));
        } catch (IOException e) {
            throw new ProblemException(Problem.of(400, "bad-json", "Bad JSON", "the body is not JSON"));
        }
        TenantQuota old = tenant.quota();
        TenantQuota quota = new TenantQuota(body.path("queuedDocuments").asLong(old.queuedDocuments()),
                body.path("queuedBytes").asLong(old.queuedBytes()),
                body.path("submissionsPerMinute").asInt(old.submissionsPerMinute()))
                .withInbox(body.path("inboxDocuments").asLong(old.inboxDocuments()),
                        body.path("inboxBytes").asLong(old.inboxBytes()));
        registry.putTenant(tenant.withQuota(quota));
        ObjectNode node = JSON.createObjectNode();
        node.put("organId", organ);
        node.put("queuedDocuments", quota.queuedDocuments());
        node.put("queuedBytes", quota.queuedBytes());
        node.put("submissionsPerMinute", quota.submissionsPerMinute());
        node.put("inboxDocuments", quota.inboxDocuments());
        node.put("inboxBytes", quota.inboxBytes());
        return new Reply(node);
    }

    private Reply certificates(ServerRequest req, ServerResponse res) {
        Instant now = clock.instant();
        ArrayNode list = JSON.createArrayNode();
        for (Map.Entry<String, X509Certificate> entry : keys.certificates().entrySet()) {
            CertificateExpiry expiry = CertificateExpiry.of(entry.getKey(), entry.getValue());
            ObjectNode node = list.addObject();
            node.put("tenant", expiry.tenant());
            node.put("usage", expiry.usage());
            node.put("alias", expiry.alias());
            node.put("notAfter", entry.getValue().getNotAfter().toInstant().toString());
            node.put("daysLeft", expiry.remaining(now).toDays());
            node.put("state", expiry.state(now));
        }
        return new Reply(list);
    }

    private Reply reloadKeys(ServerRequest req, ServerResponse res) {
        keys.reload();
        return new Reply(null);
    }
}
