package vn.lienthong.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vn.lienthong.appliance.TwoAppliancesTest.awaitDelivered;
import static vn.lienthong.appliance.TwoAppliancesTest.edxml;
import static vn.lienthong.appliance.TwoAppliancesTest.metric;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.appliance.api.LocalApi;
import vn.lienthong.appliance.axis.EnvelopeReceiver;
import vn.lienthong.appliance.cli.JvmLauncher;
import vn.lienthong.appliance.demo.ApplianceSetup;
import vn.lienthong.appliance.demo.ApplianceSetup.TenantSpec;
import vn.lienthong.appliance.demo.DemoCa;
import vn.lienthong.appliance.demo.DocumentSystemClient;
import vn.lienthong.appliance.demo.DocumentSystemClient.Answer;
import vn.lienthong.appliance.edxml.DocumentMessage;
import vn.lienthong.appliance.edxml.EdxmlMessage;
import vn.lienthong.appliance.envelope.Envelope;
import vn.lienthong.appliance.envelope.EnvelopeCodec;
import vn.lienthong.appliance.envelope.EnvelopeHeader;
import vn.lienthong.appliance.envelope.EnvelopeSealer;
import vn.lienthong.appliance.tls.JsseContexts;
import vn.lienthong.appliance.tls.PinnedServerTrustManager;
import vn.lienthong.hsm.cms.CmsSigner;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;
import vn.lienthong.provisioning.registry.Tenant;

/**
 * Two real appliances: a tenant's inbox quota holds what peers send it beyond the quota at the
 * sending appliance (507 with Retry-After, kept and retried, nothing lost) until its document system
 * acknowledges; and a message is known by its sender too, so a co-recipient that reuses a message id
 * first cannot block the genuine delivery.
 */
class InboxQuotaTest {

    static final String G22 = "000.00.00.G22";
    static final String H41 = "000.00.00.H41";
    static final String H14 = "000.00.00.H14";

    @TempDir
    static Path dir;
    static SoftHsmTestToken tokenA;
    static SoftHsmTestToken tokenB;
    static DemoCa ca;
    static TestAppliance a;
    static TestAppliance b;
    static DocumentSystemClient g22;
    static DocumentSystemClient h41;
    /** A second session on b's token: its TLS key and its tenants' signing keys, as a co-recipient appliance has. */
    static Token peerB;

    @BeforeAll
    static void startTwoAppliances() throws Exception {
        tokenA = SoftHsmTestToken.create("qa");
        tokenB = SoftHsmTestToken.create("qb");
        ca = DemoCa.create("test CA");
        Path root = dir.resolve("root.pem");
        Files.writeString(root, DemoCa.pem(ca.root()));
        a = TestAppliance.provision("a", dir, tokenA, ca, root, List.of(new TenantSpec(G22, "Văn phòng Chính phủ", "ecp256")));
        b = TestAppliance.provision("b", dir, tokenB, ca, root, List.of(
                new TenantSpec(H41, "UBND tỉnh Nghệ An", "ecp256"), new TenantSpec(H14, "UBND tỉnh Cao Bằng", "ecp256")));
        a.start();
        b.start();
        Path directory = dir.resolve("directory.json");
        Files.writeString(directory, ApplianceSetup.directoryJson(List.of(
                new ApplianceSetup.Route(G22, a.axis().toString(), a.setup.tlsCertificateSha256()),
                new ApplianceSetup.Route(H41, b.axis().toString(), b.setup.tlsCertificateSha256()),
                new ApplianceSetup.Route(H14, b.axis().toString(), b.setup.tlsCertificateSha256()))));
        for (TestAppliance appliance : List.of(a, b)) {
            provision(appliance, "directory", "import", directory.toString());
        }
        g22 = a.documentSystem(G22, ca);
        h41 = b.documentSystem(H41, ca);
        peerB = Token.open(tokenB.config());
    }

    @AfterAll
    static void stop() {
        TestAppliance.closeAll(g22, h41, peerB, a, b, tokenA, tokenB);
    }

    /** The operator CLI in another process, while the appliance runs (LMDB is opened once per process). */
    static void provision(TestAppliance appliance, String... arguments) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of("provision", "--config", appliance.config.toString()));
        all.addAll(List.of(arguments));
        JvmLauncher.Result result = new JvmLauncher().run(Map.of(), all);
        assertEquals(0, result.exitCode(), result.output());
    }

    @Test
    void overItsInboxQuotaTheSenderIsAnswered507AndKeepsTheDocumentUntilAnAcknowledgementFreesRoom()
            throws Exception {
        provision(b, "tenant", "quota", H41, "--inbox-documents", "1");
        try {
            Answer first = g22.submit(edxml(G22, List.of(H41), "vừa đủ chỗ"));
            String firstId = first.json().path("id").asText();
            awaitDelivered(g22, firstId, 1);

            double refusedBefore = metric(b, "lienthong_inbox_quota_refusals_total", "tenant=\"" + H41 + "\"");
            Answer second = g22.submit(edxml(G22, List.of(H41), "quá hạn mức"));
            assertEquals(202, second.status(), second.text());
            String secondId = second.json().path("id").asText();
            Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
            while (metric(b, "lienthong_inbox_quota_refusals_total", "tenant=\"" + H41 + "\"") < refusedBefore + 2) {
                assertTrue(Instant.now().isBefore(deadline), "a's forwarder was not refused twice");
                Thread.sleep(50);
            }
            var held = g22.outboxStatus(secondId).json();
            assertFalse(held.path("delivered").asBoolean(), held.toString());
            assertTrue(held.path("recipients").get(0).path("lastError").asText().contains("507"), held.toString());
            assertEquals(List.of(firstId), h41.inbox(0), "nothing over the quota was stored");
            assertEquals(1, b.running.storage().inbox().usage(H41).documents());

            assertEquals(204, h41.acknowledge(firstId).status());

            awaitDelivered(g22, secondId, 1);
            assertEquals(List.of(secondId), h41.inbox(0));
            assertEquals(204, h41.acknowledge(secondId).status());
            assertEquals(List.of(), b.running.storage().checkIntegrity());
        } finally {
            provision(b, "tenant", "quota", H41, "--inbox-documents", "0");
        }
    }

    @Test
    void aNewEnvelopeOverTheQuotaIsAnswered507WithRetryAfterButAResentOneGetsItsFirstReceipt() throws Exception {
        Envelope kept = seal(H14, List.of(H41), UUID.randomUUID().toString());
        HttpResponse<byte[]> stored = postAxis(kept, H41);
        assertEquals(200, stored.statusCode(), new String(stored.body(), StandardCharsets.UTF_8));
        provision(b, "tenant", "quota", H41, "--inbox-documents", "1");
        try {
            HttpResponse<byte[]> refused = postAxis(seal(H14, List.of(H41), UUID.randomUUID().toString()), H41);
            String body = new String(refused.body(), StandardCharsets.UTF_8);
            assertEquals(507, refused.statusCode(), body);
            assertTrue(body.contains("urn:lienthong:problem:inbox-quota-exceeded"), body);
            assertEquals("60", refused.headers().firstValue("Retry-After").orElseThrow());

            HttpResponse<byte[]> resent = postAxis(kept, H41);
            assertEquals(200, resent.statusCode(), "a resend is no new document: it gets its first receipt");
            assertEquals(new String(stored.body(), StandardCharsets.ISO_8859_1),
                    new String(resent.body(), StandardCharsets.ISO_8859_1));
        } finally {
            provision(b, "tenant", "quota", H41, "--inbox-documents", "0");
        }
        assertEquals(204, h41.acknowledge(kept.header().messageId()).status());
    }

    @Test
    void aCoRecipientThatReusesTheMessageIdFirstDoesNotBlockTheGenuineDelivery() throws Exception {
        // The document system's Idempotency-Key makes the id known before a's forwarder sends it, as a
        // co-recipient learns it on the first delivery: the attacker's envelope is in place first.
        String key = UUID.randomUUID().toString();
        String id = UUID.nameUUIDFromBytes((G22 + "\n" + key).getBytes(StandardCharsets.UTF_8)).toString();
        HttpResponse<byte[]> squatted = postAxis(seal(H14, List.of(H41), id), H41);
        assertEquals(200, squatted.statusCode(), new String(squatted.body(), StandardCharsets.UTF_8));

        byte[] document = edxml(G22, List.of(H41, H14), "văn bản thật");
        Answer submitted = g22.submit(document, key);
        assertEquals(id, submitted.json().path("id").asText());

        awaitDelivered(g22, id, 2);
        String genuine = id + "~" + G22;
        assertEquals(List.of(id, genuine), h41.inbox(0).stream().filter(i -> i.startsWith(id)).toList());
        Answer fetched = h41.fetch(genuine);
        assertEquals(200, fetched.status(), fetched.text());
        assertEquals(G22, fetched.header("Lienthong-Sender").orElseThrow());
        assertEquals(id, fetched.header("Lienthong-Message-Id").orElseThrow());
        assertEquals(((DocumentMessage) EdxmlMessage.parse(document)).subject(),
                ((DocumentMessage) EdxmlMessage.parse(fetched.body())).subject());
        assertEquals(H14, h41.fetch(id).header("Lienthong-Sender").orElseThrow(), "the squatter's stays its own");
        for (String each : List.of(id, genuine)) {
            assertEquals(204, h41.acknowledge(each).status());
        }
    }

    /** An envelope signed by {@code sender}'s key in b's token, under the message id given. */
    private static Envelope seal(String sender, List<String> recipients, String messageId) {
        byte[] payload = edxml(sender, recipients, "trực tiếp");
        EnvelopeHeader header = EnvelopeHeader.of(messageId, sender, recipients, Instant.now(),
                LocalApi.EDXML_CONTENT_TYPE, payload);
        return new EnvelopeSealer(new CmsSigner(peerB.provider())).seal(header, payload,
                peerB.key(Tenant.keyAliasOf(sender)).orElseThrow());
    }

    /** Posts to b's axis listener with b's own TLS key: the appliance its tenants H41 and H14 speak through. */
    private static HttpResponse<byte[]> postAxis(Envelope envelope, String recipient) throws Exception {
        TokenKey tls = peerB.key("tls").orElseThrow();
        try (HttpClient client = HttpClient.newBuilder()
                .sslContext(JsseContexts.client(tls, new PinnedServerTrustManager(() -> List.of(ca.root()),
                        b.setup.tlsCertificateSha256())))
                .sslParameters(JsseContexts.clientParameters())
                .build()) {
            return client.send(HttpRequest.newBuilder(b.axis().resolve(EnvelopeReceiver.PATH))
                    .header(EnvelopeReceiver.RECIPIENT_HEADER, recipient)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(EnvelopeCodec.encode(envelope)))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
        }
    }
}
