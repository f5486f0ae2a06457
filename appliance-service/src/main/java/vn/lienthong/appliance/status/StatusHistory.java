package vn.lienthong.appliance.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import vn.lienthong.appliance.edxml.StatusMessage;
import vn.lienthong.storage.registry.Registry;

/**
 * The edXML status messages (QCVN 102:2016 codes 01–16) that came back for the documents a tenant
 * sent, kept durably per outbox message so that {@code GET /api/v1/outbox/{id}} can show each
 * recipient's history. A status is linked to the outbox message by the DocumentId it responds to
 * (recorded when the document was sent) or, when the DocumentId is the message id itself, by that.
 */
public final class StatusHistory {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SENT = "edxml-sent/";
    private static final String STATUS = "edxml-status/";
    private static final String SENT_LIST = "edxml-sent-list/";

    private final Registry records;

    public StatusHistory(Registry records) {
        this.records = records;
    }

    /** One status a recipient reported. */
    public record Entry(String from, String statusCode, String description, String timestamp, String statusMessageId,
                        Instant receivedAt) {
    }

    /** Remembers which outbox message carried the tenant's document, for linking its statuses later. */
    public void documentSent(String tenant, String documentId, String messageId) {
        records.put(SENT + tenant, digest(documentId), messageId.getBytes(StandardCharsets.UTF_8));
    }

    /** One message a tenant sent, as the SDK's getSentEdocList lists it. */
    public record Sent(String messageId, String documentId, String kind, List<String> to, String notation,
                       String title, Instant sentAt) {
    }

    /** Lists a message the tenant sent (document or status), oldest first in {@link #sent(String, String, int)}. */
    public void messageSent(String tenant, Sent sent) {
        ObjectNode node = JSON.createObjectNode();
        node.put("messageId", sent.messageId());
        node.put("documentId", sent.documentId());
        node.put("kind", sent.kind());
        sent.to().forEach(node.putArray("to")::add);
        node.put("notation", sent.notation());
        node.put("title", sent.title());
        node.put("sentAt", sent.sentAt().toString());
        records.put(SENT_LIST + tenant, sent.sentAt() + "/" + sent.messageId(), node.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The messages the tenant sent, oldest first, a page at a time: at most {@code limit} after
     * where the previous page's {@link Page#next} pointed (null: from the first).
     */
    public Page sent(String tenant, String after, int limit) {
        java.util.SortedMap<String, byte[]> page = records.list(SENT_LIST + tenant, after, limit);
        return new Page(sent(page), page.size() < limit ? null : page.lastKey());
    }

    /** A page of sent messages and where the next page begins (null after the last). */
    public record Page(List<Sent> sent, String next) {
    }

    private static List<Sent> sent(java.util.SortedMap<String, byte[]> records) {
        List<Sent> all = new ArrayList<>();
        for (byte[] value : records.values()) {
            try {
                JsonNode n = JSON.readTree(value);
                List<String> to = new ArrayList<>();
                n.path("to").forEach(t -> to.add(t.asText()));
                all.add(new Sent(n.path("messageId").asText(), n.path("documentId").asText(), n.path("kind").asText(),
                        to, n.path("notation").asText(null), n.path("title").asText(null),
                        Instant.parse(n.path("sentAt").asText())));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return all;
    }

    /** The outbox message that carried the tenant's document with this DocumentId, if the tenant sent one. */
    public Optional<String> sentMessage(String tenant, String documentId) {
        return records.get(SENT + tenant, digest(documentId)).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    /**
     * Records a status message received for one of the tenant's outbox messages, as from {@code sender}:
     * the organ the envelope was authenticated as, never a field of the payload.
     */
    public void record(String tenant, String sender, String outboxMessageId, StatusMessage status,
                       String statusMessageId, Instant receivedAt) {
        ObjectNode node = JSON.createObjectNode();
        node.put("from", sender);
        node.put("statusCode", status.statusCode().code());
        if (status.description() != null) {
            node.put("description", status.description());
        }
        node.put("timestamp", status.timestamp().toString());
        node.put("statusMessageId", statusMessageId);
        node.put("receivedAt", receivedAt.toString());
        records.put(STATUS + tenant + "/" + outboxMessageId, receivedAt + "/" + statusMessageId,
                node.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The statuses received for an outbox message, oldest first. */
    public List<Entry> history(String tenant, String outboxMessageId) {
        List<Entry> entries = new ArrayList<>();
        for (byte[] value : records.list(STATUS + tenant + "/" + outboxMessageId).values()) {
            try {
                JsonNode n = JSON.readTree(value);
                entries.add(new Entry(n.path("from").asText(), n.path("statusCode").asText(),
                        n.hasNonNull("description") ? n.get("description").asText() : null,
                        n.path("timestamp").asText(), n.path("statusMessageId").asText(),
                        Instant.parse(n.path("receivedAt").asText())));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return entries;
    }

    /**
     * Links a status message that {@code sender} (the envelope's authenticated sender) sent the tenant
     * to the outbox message it answers and records it; false when the tenant sent no such document to
     * that sender (the status is then only in the inbox).
     *
     * @param sentToSender whether an id names one of the tenant's outbox messages addressed to the sender
     */
    public boolean link(String tenant, String sender, StatusMessage status, String statusMessageId,
                        Instant receivedAt, java.util.function.Predicate<String> sentToSender) {
        for (var responseFor : status.responseFor()) {
            if (!responseFor.organId().equals(tenant)) {
                continue;
            }
            String documentId = responseFor.documentId();
            Optional<String> outboxId = sentMessage(tenant, documentId).or(() -> Optional.of(documentId))
                    .filter(sentToSender);
            if (outboxId.isPresent()) {
                record(tenant, sender, outboxId.get(), status, statusMessageId, receivedAt);
                return true;
            }
        }
        return false;
    }

    /** DocumentIds are free text of any length: a digest keeps the key within LMDB's bound. */
    private static String digest(String documentId) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(documentId.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
