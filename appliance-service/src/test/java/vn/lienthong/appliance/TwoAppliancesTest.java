package vn.lienthong.appliance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
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
import vn.lienthong.appliance.demo.SdkRequests;
import vn.lienthong.appliance.edxml.DocumentMessage;
import vn.lienthong.appliance.edxml.EdxmlMessage;
import vn.lienthong.appliance.edxml.SoftwareKeySigning;
import vn.lienthong.appliance.edxml.XmlSignatureCheck;
import vn.lienthong.appliance.envelope.Envelope;
import vn.lienthong.appliance.envelope.EnvelopeCodec;
import vn.lienthong.appliance.envelope.EnvelopeHeader;
import vn.lienthong.appliance.envelope.EnvelopeSealer;
import vn.lienthong.appliance.evidence.EvidenceFile;
import vn.lienthong.appliance.evidence.EvidenceVerifier;
import vn.lienthong.appliance.tls.JsseContexts;
import vn.lienthong.appliance.tls.PinnedServerTrustManager;
import vn.lienthong.hsm.cms.CmsSigner;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;

/**
 * Two real appliances on loopback, each with its own SoftHSM2 token and LMDB store, provisioned
 * with the operator CLI: documents travel between their tenants over mutual TLS, and every kind of
 * bad input is refused with a problem answer, a counted metric and nothing stored.
 */
class TwoAppliancesTest {

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
    static DocumentSystemClient h14;
    /** A second session on each token, as a peer appliance (or an attacker holding a key) would have. */
    static Token peerA;
    static Token peerB;

    @BeforeAll
    static void startTwoAppliances() throws Exception {
        tokenA = SoftHsmTestToken.create("a");
        tokenB = SoftHsmTestToken.create("b");
        ca = DemoCa.create("test CA");
        Path root = dir.resolve("root.pem");
        Files.writeString(root, DemoCa.pem(ca.root()));
        a = TestAppliance.provision("a", dir, tokenA, ca, root, List.of(new TenantSpec(G22, "Văn phòng Chính phủ", "rsa2048")));
        b = TestAppliance.provision("b", dir, tokenB, ca, root, List.of(
                new TenantSpec(H41, "UBND tỉnh Nghệ An", "rsa2048"), new TenantSpec(H14, "UBND tỉnh Cao Bằng", "ecp256")));
        // a accepts SHA-1 XML signatures (marked weak); b keeps the default, which refuses them.
        Files.writeString(a.config, "edxml:\n  accept-sha1-signatures: true\n", java.nio.file.StandardOpenOption.APPEND);
        a.start();
        b.start();

        // The directory is imported by the operator CLI in a separate process while both run:
        // it must take effect without a restart.
        Path directory = dir.resolve("directory.json");
        Files.writeString(directory, ApplianceSetup.directoryJson(List.of(
                new ApplianceSetup.Route(G22, a.axis().toString(), a.setup.tlsCertificateSha256()),
                new ApplianceSetup.Route(H41, b.axis().toString(), b.setup.tlsCertificateSha256()),
                new ApplianceSetup.Route(H14, b.axis().toString(), b.setup.tlsCertificateSha256()))));
        JvmLauncher launcher = new JvmLauncher();
        for (TestAppliance appliance : List.of(a, b)) {
            JvmLauncher.Result result = launcher.run(Map.of(), List.of("provision", "--config",
                    appliance.config.toString(), "directory", "import", directory.toString()));
            assertEquals(0, result.exitCode(), result.output());
        }
        g22 = a.documentSystem(G22, ca);
        h41 = b.documentSystem(H41, ca);
        h14 = b.documentSystem(H14, ca);
        peerA = Token.open(tokenA.config());
        peerB = Token.open(tokenB.config());
    }

    @AfterAll
    static void stop() {
        TestAppliance.closeAll(g22, h41, h14, peerA, peerB, a, b, tokenA, tokenB);
    }

    // --- the way of a document ---------------------------------------------------------------

    @Test
    void deliversADocumentToTwoTenantsOfTheSharedServerWithReceiptsAndEvidence() throws Exception {
        byte[] document = edxml(G22, List.of(H41, H14), "Công văn thử nghiệm");
        Answer submitted = g22.submit(document);
        assertEquals(202, submitted.status(), submitted.text());
        String id = submitted.json().path("id").asText();

        awaitDelivered(g22, id, 2);
        for (DocumentSystemClient recipient : List.of(h41, h14)) {
            assertTrue(recipient.inbox(10).contains(id));
            Answer fetched = recipient.fetch(id);
            assertEquals(200, fetched.status());
            assertSenderDocumentWithItsTrace(document, fetched.body(), G22);
            assertEquals(204, recipient.acknowledge(id).status());
            assertFalse(recipient.inbox(0).contains(id), "an acknowledged message leaves the inbox");
        }
        for (String recipient : List.of(H41, H14)) {
            Answer evidence = g22.evidence(id, recipient);
            assertEquals(200, evidence.status(), evidence.text());
            List<String> checks = new EvidenceVerifier().verify(EvidenceFile.read(evidence.body()),
                    List.of(ca.root()), Instant.now());
            assertTrue(checks.stream().anyMatch(c -> c.contains(recipient)), checks.toString());
        }
        assertTrue(metric(a, "lienthong_documents_accepted_total", "tenant=\"" + G22 + "\"") >= 1);
        assertTrue(metric(a, "lienthong_documents_delivered_total", "tenant=\"" + G22 + "\"") >= 2);
        assertTrue(metric(b, "lienthong_documents_received_total", "tenant=\"" + H14 + "\"") >= 1);
    }

    @Test
    void deliversFromTheSharedServerBackToTheAgency() throws Exception {
        byte[] document = edxml(H41, List.of(G22), "Báo cáo");
        Answer submitted = h41.submit(document);
        assertEquals(202, submitted.status(), submitted.text());
        String id = submitted.json().path("id").asText();
        awaitDelivered(h41, id, 1);
        assertTrue(g22.inbox(10).contains(id));
        assertSenderDocumentWithItsTrace(document, g22.fetch(id).body(), H41);
    }

    /**
     * The recipient gets the sender's document with one TraceHeader added by the sender's appliance
     * before it sealed the envelope, so these are exactly the bytes the envelope's signature covers.
     */
    static void assertSenderDocumentWithItsTrace(byte[] sent, byte[] received, String senderOrgan) {
        DocumentMessage original = (DocumentMessage) EdxmlMessage.parse(sent);
        DocumentMessage delivered = (DocumentMessage) EdxmlMessage.parse(received);
        assertEquals(original.documentId(), delivered.documentId());
        assertEquals(original.subject(), delivered.subject());
        assertEquals(original.traceHeaders().size() + 1, delivered.traceHeaders().size());
        assertEquals(senderOrgan, delivered.traceHeaders().getLast().organId());
    }

    @Test
    void carriesAStatusMessageBackAndShowsItInTheSendersStatusHistory() throws Exception {
        byte[] document = edxml(G22, List.of(H41), "Xin ý kiến");
        String id = deliveredFromG22ToH41(document);
        String documentId = EdxmlMessage.parse(document).documentId();

        // The clerk's actions come one after another; each status is in the history before the next is sent.
        JsonNode history = null;
        List<String> codes = List.of("01", "03");
        for (int i = 0; i < codes.size(); i++) {
            Answer status = h41.submit(statusMessage(H41, G22, documentId, codes.get(i)));
            assertEquals(202, status.status(), status.text());
            Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
            do {
                assertTrue(Instant.now().isBefore(deadline), "status " + codes.get(i) + " not in the history: " + history);
                Thread.sleep(50);
                history = g22.outboxStatus(id).json().path("recipients").get(0).path("statusHistory");
            } while (history.size() < i + 1);
        }
        assertEquals(2, history.size(), String.valueOf(history));
        assertEquals(codes, List.of(history.get(0).path("statusCode").asText(),
                history.get(1).path("statusCode").asText()));
        String statusId = history.get(1).path("statusMessageId").asText();
        assertTrue(g22.inbox(0).contains(statusId), "the status also reaches the sender's document system");
    }

    @Test
    void namesTheElementAndRuleOfAnInvalidDocument() throws Exception {
        String bad = new String(edxml(G22, List.of(H41), "Sai ngày"), StandardCharsets.UTF_8)
                .replace("2024/03/15", "15-03-2024");
        Answer answer = g22.submit(bad.getBytes(StandardCharsets.UTF_8));
        assertEquals(400, answer.status(), answer.text());
        assertEquals("urn:lienthong:problem:edxml-invalid", answer.json().path("type").asText());
        assertEquals("edXML/edXMLEnvelope/edXMLHeader/MessageHeader/PromulgationInfo/PromulgationDate",
                answer.json().path("element").asText());
        assertEquals("date", answer.json().path("rule").asText());
    }

    // --- the SDK facade ----------------------------------------------------------------------

    /** Issues the tenant's SDK secret with the operator CLI in another process while the appliance runs. */
    static String sdkSecret(TestAppliance appliance, String organ) throws Exception {
        JvmLauncher.Result result = new JvmLauncher().run(Map.of(), List.of("provision", "--config",
                appliance.config.toString(), "tenant", "sdk-secret", organ));
        assertEquals(0, result.exitCode(), result.output());
        Matcher m = Pattern.compile("SDK secret for " + Pattern.quote(organ) + " \\(systemid [^)]+\\): (\\S+)")
                .matcher(result.output());
        assertTrue(m.find(), result.output());
        return m.group(1);
    }

    static Answer sendEdoc(DocumentSystemClient client, String organ, String secret, byte[] edxml, String type)
            throws Exception {
        String boundary = "----lienthong" + UUID.randomUUID();
        byte[] form = SdkRequests.form(boundary, new java.util.LinkedHashMap<>(Map.of(
                "file_doc", edxml, "from", organ.getBytes(StandardCharsets.UTF_8),
                "servicetype", "eDoc".getBytes(StandardCharsets.UTF_8),
                "messagetype", type.getBytes(StandardCharsets.UTF_8))));
        return client.sdk("/sendEdoc", SdkRequests.headers(organ, secret, Instant.now()),
                "multipart/form-data; boundary=" + boundary, form);
    }

    @Test
    void carriesADocumentAndItsStatusThroughTheSdkFacadeOnTheSameQueues() throws Exception {
        String g22Secret = sdkSecret(a, G22);
        String h41Secret = sdkSecret(b, H41);
        byte[] document = edxml(G22, List.of(H41), "Gửi qua SDK");

        Answer sent = sendEdoc(g22, G22, g22Secret, document, "edoc");
        assertEquals(200, sent.status(), sent.text());
        assertEquals("OK", sent.json().path("status").asText());
        String docId = sent.json().path("DocId").asText();
        awaitDelivered(g22, docId, 1);

        Answer received = h41.sdk("/getReceivedEdocList", SdkRequests.headers(H41, h41Secret, Instant.now()),
                null, new byte[0]);
        assertEquals(200, received.status(), received.text());
        assertTrue(received.text().contains(docId), received.text());
        Answer fetched = h41.sdk("/getEdoc?docId=" + docId, SdkRequests.headers(H41, h41Secret, Instant.now()),
                null, new byte[0]);
        assertSenderDocumentWithItsTrace(document, fetched.body(), G22);
        Answer done = h41.sdk("/updateStatus?docId=" + docId + "&status=done",
                SdkRequests.headers(H41, h41Secret, Instant.now()), null, new byte[0]);
        assertEquals("OK", done.json().path("status").asText(), done.text());
        assertFalse(h41.inbox(0).contains(docId), "done through the SDK is an acknowledgement on /api/v1 too");

        String documentId = EdxmlMessage.parse(document).documentId();
        Answer status = sendEdoc(h41, H41, h41Secret, statusMessage(H41, G22, documentId, "03"), "status");
        assertEquals(200, status.status(), status.text());
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (g22.outboxStatus(docId).json().path("recipients").get(0).path("statusHistory").isEmpty()
                && Instant.now().isBefore(deadline)) {
            Thread.sleep(50);
        }
        Answer sentList = g22.sdk("/getSentEdocList", SdkRequests.headers(G22, g22Secret, Instant.now()), null,
                new byte[0]);
        JsonNode row = null;
        for (JsonNode r : sentList.json().path("data")) {
            if (r.path("docId").asText().equals(docId)) {
                row = r;
            }
        }
        assertTrue(row != null, sentList.text());
        assertEquals(H41, row.path("toCode").asText());
        assertEquals("done", row.path("sendStatus").asText());
        assertEquals("03", row.path("receiveStatus").asText());
        // Paged: a limit, and "next" to pass as "after" for the following page.
        Answer firstPage = g22.sdk("/getSentEdocList?limit=1", SdkRequests.headers(G22, g22Secret, Instant.now()),
                null, new byte[0]);
        String next = firstPage.json().path("next").asText();
        Answer secondPage = g22.sdk("/getSentEdocList?limit=1&after=" + java.net.URLEncoder.encode(next,
                StandardCharsets.UTF_8), SdkRequests.headers(G22, g22Secret, Instant.now()), null, new byte[0]);
        assertEquals(200, secondPage.status(), secondPage.text());
        java.util.Set<String> firstPageIds = new java.util.HashSet<>();
        firstPage.json().path("data").forEach(r -> firstPageIds.add(r.path("docId").asText()));
        assertEquals(1, firstPageIds.size(), "one message (a row per recipient): " + firstPage.text());
        assertFalse(next.isEmpty(), firstPage.text());
        assertFalse(secondPage.json().path("data").isEmpty(), secondPage.text());
        assertFalse(firstPage.json().path("data").get(0).path("docId").asText()
                .equals(secondPage.json().path("data").get(0).path("docId").asText()), "the next page goes on");
        Answer agencies = g22.sdk("/getAgenciesList", SdkRequests.headers(G22, g22Secret, Instant.now()), null,
                new byte[0]);
        assertTrue(agencies.text().contains(H41), agencies.text());
    }

    @Test
    void refusesWrongStaleReplayedAndForeignSdkHeaders() throws Exception {
        String secret = sdkSecret(a, G22);
        Map<String, String> good = SdkRequests.headers(G22, secret, Instant.now());
        Answer first = g22.sdk("/getAgenciesList", good, null, new byte[0]);
        assertEquals(200, first.status(), first.text());

        Answer replayed = g22.sdk("/getAgenciesList", good, null, new byte[0]);
        assertEquals(401, replayed.status());
        assertEquals("FAIL", replayed.json().path("status").asText());
        assertEquals("sdk-replayed", replayed.json().path("ErrorCode").asText());

        Answer wrong = g22.sdk("/getAgenciesList", SdkRequests.headers(G22, "not-the-secret", Instant.now()), null,
                new byte[0]);
        assertEquals(401, wrong.status());
        assertEquals("sdk-bad-signature", wrong.json().path("ErrorCode").asText());

        Answer stale = g22.sdk("/getAgenciesList", SdkRequests.headers(G22, secret, Instant.now().minusSeconds(600)),
                null, new byte[0]);
        assertEquals(401, stale.status());
        assertEquals("sdk-stale-timestamp", stale.json().path("ErrorCode").asText());

        // H41's own valid headers on G22's client certificate: the two identities must agree.
        Answer foreign = g22.sdk("/getAgenciesList", SdkRequests.headers(H41, secret, Instant.now()), null,
                new byte[0]);
        assertEquals(403, foreign.status());
        assertEquals("sdk-systemid-mismatch", foreign.json().path("ErrorCode").asText());

        Answer missing = g22.sdk("/getAgenciesList", Map.of(), null, new byte[0]);
        assertEquals(401, missing.status());
        assertEquals("sdk-auth-missing", missing.json().path("ErrorCode").asText());
    }

    @Test
    void sdkRefusalsAreCountedAndAuditedLikeTheLocalApis() throws Exception {
        String secret = sdkSecret(b, H41);
        Answer submitted = g22.submit(edxml(G22, List.of(H14), "chỉ cho H14"));
        assertEquals(202, submitted.status(), submitted.text());
        String h14Message = submitted.json().path("id").asText();
        awaitDelivered(g22, h14Message, 1);
        b.running.flushRefusals();
        long auditBefore = b.running.storage().audit().size();
        double foreignBefore = metric(b, "lienthong_refused_total", "listener=\"sdk\",reason=\"unknown-message\"");
        double badBefore = metric(b, "lienthong_refused_total", "listener=\"sdk\",reason=\"sdk-bad-signature\"");

        // H41 asks for a document of H14, its neighbour on the shared server, with its own valid headers.
        Answer foreign = h41.sdk("/getEdoc?docId=" + h14Message, SdkRequests.headers(H41, secret, Instant.now()),
                null, new byte[0]);
        assertEquals(404, foreign.status(), foreign.text());
        assertEquals("unknown-message", foreign.json().path("ErrorCode").asText());
        for (int i = 0; i < 3; i++) {
            Answer bad = h41.sdk("/getAgenciesList", SdkRequests.headers(H41, "not-the-secret", Instant.now()), null,
                    new byte[0]);
            assertEquals(401, bad.status(), bad.text());
        }

        assertEquals(foreignBefore + 1, metric(b, "lienthong_refused_total",
                "listener=\"sdk\",reason=\"unknown-message\""));
        assertEquals(badBefore + 3, metric(b, "lienthong_refused_total",
                "listener=\"sdk\",reason=\"sdk-bad-signature\""));
        b.running.flushRefusals();
        List<String> records = new ArrayList<>();
        b.running.storage().audit().forEach(r -> {
            if (r.sequence() > auditBefore && r.action().equals(vn.lienthong.appliance.audit.RefusalAudit.ACTION)) {
                records.add(r.actor() + " | " + r.detail());
            }
        });
        assertTrue(records.stream().anyMatch(r -> r.startsWith("dms:") && r.contains("CN=DMS " + H41 + " sha256:")
                && r.contains("listener=sdk")
                && r.contains("reason=unknown-message count=1") && r.contains("/getEdoc")), records.toString());
        assertTrue(records.stream().anyMatch(r -> r.startsWith("dms:") && r.contains("CN=DMS " + H41 + " sha256:")
                && r.contains("listener=sdk reason=sdk-bad-signature count=3")), records.toString());
        assertEquals(200, h14.fetch(h14Message).status(), "H14's document is untouched");
        assertEquals(204, h14.acknowledge(h14Message).status());
    }

    @Test
    void signsTheOutgoingEdxmlOfATenantConfiguredToAndTheRecipientCanVerifyIt() throws Exception {
        JvmLauncher launcher = new JvmLauncher();
        List<String> provision = List.of("provision", "--config", a.config.toString(), "tenant", "xmldsig", G22);
        JvmLauncher.Result on = launcher.run(Map.of(), concat(provision, "on"));
        assertEquals(0, on.exitCode(), on.output());
        try {
            Answer submitted = g22.submit(edxml(G22, List.of(H41), "Văn bản có chữ ký số của cơ quan"));
            assertEquals(202, submitted.status(), submitted.text());
            String id = submitted.json().path("id").asText();
            awaitDelivered(g22, id, 1);
            byte[] received = h41.fetch(id).body();
            assertTrue(EdxmlMessage.parse(received).signed());
            XmlSignatureCheck.Result check = XmlSignatureCheck.check(received, List.of(ca.root()), Instant.now(), false);
            assertTrue(check instanceof XmlSignatureCheck.Valid, check.header());
            assertEquals(204, h41.acknowledge(id).status());
        } finally {
            assertEquals(0, launcher.run(Map.of(), concat(provision, "off")).exitCode());
        }
    }

    @Test
    void anIncomingSha1SignatureIsInvalidByDefaultAndValidButWeakWhereTheConfigurationAcceptsIt() throws Exception {
        Answer toB = g22.submit(sha1Signed(G22, H41, "Văn bản ký SHA-1 gửi tới b"));
        assertEquals(202, toB.status(), toB.text());
        String toBId = toB.json().path("id").asText();
        awaitDelivered(g22, toBId, 1);
        Answer refused = h41.fetch(toBId);
        assertEquals(200, refused.status());
        assertEquals("invalid; reason=\"the signature uses SHA-1, which this appliance does not accept\"",
                refused.header(LocalApi.XML_SIGNATURE_HEADER).orElseThrow());
        assertEquals(204, h41.acknowledge(toBId).status());

        Answer toA = h41.submit(sha1Signed(H41, G22, "Văn bản ký SHA-1 gửi tới a"));
        assertEquals(202, toA.status(), toA.text());
        String toAId = toA.json().path("id").asText();
        awaitDelivered(h41, toAId, 1);
        Answer accepted = g22.fetch(toAId);
        assertEquals(200, accepted.status());
        String header = accepted.header(LocalApi.XML_SIGNATURE_HEADER).orElseThrow();
        assertTrue(header.startsWith("valid; signer*=UTF-8''") && header.endsWith("; weak=sha1"), header);
        // The signer's Vietnamese name survives HTTP as an RFC 8187 ext-value a document system decodes.
        String signer = java.net.URLDecoder.decode(header.substring("valid; signer*=UTF-8''".length(),
                header.indexOf("; signer-sha256=")), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals("C=VN,O=Văn phòng Chính phủ,CN=" + H41, signer);
        assertEquals(204, g22.acknowledge(toAId).status());
    }

    /** A document its organ's document system signed with RSA-SHA1, with a software key the CA certified. */
    private static byte[] sha1Signed(String from, String to, String subject) throws Exception {
        KeyPair pair = SoftwareKeySigning.rsaKeyPair();
        X509Certificate certificate = ca.issue(new X500Name("CN=" + from + ",O=Văn phòng Chính phủ,C=VN"), pair.getPublic(),
                DemoCa.Profile.SIGNING, List.of(), List.of());
        return SoftwareKeySigning.sign(edxml(from, List.of(to), subject), pair.getPrivate(), certificate);
    }

    private static List<String> concat(List<String> list, String last) {
        List<String> all = new java.util.ArrayList<>(list);
        all.add(last);
        return all;
    }

    static byte[] statusMessage(String from, String to, String documentId, String code) {
        return ("""
                <?xml version="1.0" encoding="UTF-8"?>
                <edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
                  <edXMLEnvelope><edXMLHeader><MessageHeader>
                    <From><OrganId>%s</OrganId></From>
                    <ResponseFor><OrganId>%s</OrganId><DocumentId>%s</DocumentId></ResponseFor>
                    <StatusCode>%s</StatusCode>
                    <Description>trạng thái %s</Description>
                    <Timestamp>2024/03/15 10:00:00</Timestamp>
                  </MessageHeader></edXMLHeader></edXMLEnvelope>
                </edXML>
                """.formatted(from, to, documentId, code, code)).strip().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void answersAResentEnvelopeWithTheFirstReceiptAndStoresItOnce() throws Exception {
        Envelope envelope = seal(peerA, "sign-" + G22, G22, List.of(H41));
        HttpResponse<byte[]> first = postAxis(b, peerA, envelope, H41);
        HttpResponse<byte[]> second = postAxis(b, peerA, envelope, H41);
        assertEquals(200, first.statusCode(), new String(first.body()));
        assertEquals(200, second.statusCode());
        assertArrayEquals(first.body(), second.body(), "the same receipt both times");
        String id = envelope.header().messageId();
        assertEquals(1, h41.inbox(0).stream().filter(id::equals).count());
        assertEquals(204, h41.acknowledge(id).status());
    }

    @Test
    void givesEachNewDocumentATimeOrderedIdSoTheOutboxAppendsIt() throws Exception {
        List<String> ids = new ArrayList<>();
        for (String subject : List.of("thứ nhất", "thứ hai", "thứ ba")) {
            Answer submitted = g22.submit(edxml(G22, List.of(H41), subject));
            assertEquals(202, submitted.status(), submitted.text());
            ids.add(submitted.json().path("id").asText());
        }
        for (String id : ids) {
            assertEquals(7, UUID.fromString(id).version(), id);
        }
        assertEquals(ids.stream().sorted().toList(), ids, "later documents have greater ids");
        for (String id : ids) {
            awaitDelivered(g22, id, 1);
            assertEquals(204, h41.acknowledge(id).status());
        }
    }

    @Test
    void recognisesAResubmissionWithTheSameIdempotencyKey() throws Exception {
        byte[] document = edxml(G22, List.of(H41), "gửi lại");
        String key = UUID.randomUUID().toString();
        Answer first = g22.submit(document, key);
        Answer again = g22.submit(document, key);
        assertEquals(202, first.status(), first.text());
        assertEquals(202, again.status(), again.text());
        String id = first.json().path("id").asText();
        assertEquals(id, again.json().path("id").asText());
        assertFalse(first.json().path("duplicate").asBoolean());
        assertTrue(again.json().path("duplicate").asBoolean());
        awaitDelivered(g22, id, 1);
        assertEquals(1, h41.inbox(10).stream().filter(id::equals).count(), "delivered once");
        assertEquals(204, h41.acknowledge(id).status());
    }

    // --- the inbox: a quota held at the sender, messages known by their sender ---------------

    /** Sets H41's inbox quota with the operator CLI in another process, while b runs. */
    private static void inboxQuotaOfH41(long documents) throws Exception {
        JvmLauncher.Result result = new JvmLauncher().run(Map.of(), List.of("provision", "--config",
                b.config.toString(), "tenant", "quota", H41, "--inbox-documents", String.valueOf(documents)));
        assertEquals(0, result.exitCode(), result.output());
    }

    private static long unacknowledgedOfH41() {
        return b.running.storage().inbox().usage(H41).documents();
    }

    @Test
    void overItsInboxQuotaTheSenderIsAnswered507AndKeepsTheDocumentUntilAnAcknowledgementFreesRoom()
            throws Exception {
        Answer first = g22.submit(edxml(G22, List.of(H41), "vừa đủ chỗ"));
        String firstId = first.json().path("id").asText();
        awaitDelivered(g22, firstId, 1);
        // Room for nothing more than what H41 has unacknowledged now (other tests may have left some).
        inboxQuotaOfH41(unacknowledgedOfH41());
        try {
            double refusedBefore = metric(b, "lienthong_inbox_quota_refusals_total", "tenant=\"" + H41 + "\"");
            Answer second = g22.submit(edxml(G22, List.of(H41), "quá hạn mức"));
            assertEquals(202, second.status(), second.text());
            String secondId = second.json().path("id").asText();
            Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
            while (metric(b, "lienthong_inbox_quota_refusals_total", "tenant=\"" + H41 + "\"") < refusedBefore + 2) {
                assertTrue(Instant.now().isBefore(deadline), "a's forwarder was not refused, then refused again");
                Thread.sleep(50);
            }
            JsonNode held = g22.outboxStatus(secondId).json();
            assertFalse(held.path("delivered").asBoolean(), held.toString());
            assertTrue(held.path("recipients").get(0).path("lastError").asText().contains("507"), held.toString());
            assertFalse(h41.inbox(0).contains(secondId), "nothing over the quota was stored");

            assertEquals(204, h41.acknowledge(firstId).status());

            awaitDelivered(g22, secondId, 1);
            assertTrue(h41.inbox(0).contains(secondId));
            assertEquals(204, h41.acknowledge(secondId).status());
            assertEquals(List.of(), b.running.storage().checkIntegrity());
        } finally {
            inboxQuotaOfH41(0);
        }
    }

    @Test
    void aNewEnvelopeOverTheInboxQuotaIsAnswered507WithRetryAfterButAResentOneGetsItsFirstReceipt()
            throws Exception {
        Envelope kept = seal(peerA, "sign-" + G22, G22, List.of(H41));
        HttpResponse<byte[]> stored = postAxis(b, peerA, kept, H41);
        assertEquals(200, stored.statusCode(), new String(stored.body(), StandardCharsets.UTF_8));
        inboxQuotaOfH41(unacknowledgedOfH41());
        try {
            HttpResponse<byte[]> refused = postAxis(b, peerA, seal(peerA, "sign-" + G22, G22, List.of(H41)), H41);
            String body = new String(refused.body(), StandardCharsets.UTF_8);
            assertEquals(507, refused.statusCode(), body);
            assertTrue(body.contains("urn:lienthong:problem:inbox-quota-exceeded"), body);
            assertEquals("60", refused.headers().firstValue("Retry-After").orElseThrow());

            HttpResponse<byte[]> resent = postAxis(b, peerA, kept, H41);
            assertEquals(200, resent.statusCode(), "a resend is no new document: it gets its first receipt");
            assertArrayEquals(stored.body(), resent.body());
        } finally {
            inboxQuotaOfH41(0);
        }
        assertEquals(204, h41.acknowledge(kept.header().messageId()).status());
    }

    @Test
    void aCoRecipientThatReusesTheMessageIdFirstDoesNotBlockTheGenuineDelivery() throws Exception {
        // The document system's Idempotency-Key makes the id known before a's forwarder sends it, as a
        // co-recipient learns it on the first delivery: the co-recipient's envelope is in place first.
        String key = UUID.randomUUID().toString();
        String id = UUID.nameUUIDFromBytes((G22 + "\n" + key).getBytes(StandardCharsets.UTF_8)).toString();
        byte[] squatterPayload = edxml(H14, List.of(H41), "chiếm chỗ");
        Envelope squatter = seal(peerB, "sign-" + H14, EnvelopeHeader.of(id, H14, List.of(H41), Instant.now(),
                LocalApi.EDXML_CONTENT_TYPE, squatterPayload), squatterPayload);
        HttpResponse<byte[]> squatted = postAxis(b, peerB, squatter, H41);
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
        assertSenderDocumentWithItsTrace(document, fetched.body(), G22);
        assertEquals(H14, h41.fetch(id).header("Lienthong-Sender").orElseThrow(), "the squatter's stays its own");
        assertTrue(h14.inbox(0).contains(id), "the other recipient has it under its own id");
        for (String each : List.of(id, genuine)) {
            assertEquals(204, h41.acknowledge(each).status());
        }
        assertEquals(204, h14.acknowledge(id).status());
    }

    // --- bad input on the local API ----------------------------------------------------------

    @Test
    void refusesMalformedXml() throws Exception {
        assertRefusedAndNothingStored(g22.submit("<edXML><unclosed>".getBytes(StandardCharsets.UTF_8)),
                400, "edxml-invalid");
    }

    @Test
    void refusesADocumentWithADtdOrExternalEntity() throws Exception {
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE edXML [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                + new String(edxml(G22, List.of(H41), "&x;"), StandardCharsets.UTF_8).replaceFirst("<\\?xml[^>]*>", "");
        assertRefusedAndNothingStored(g22.submit(xxe.getBytes(StandardCharsets.UTF_8)), 400, "edxml-invalid");
    }

    @Test
    void refusesAnXIncludeInsideContentInsteadOfForwardingIt() throws Exception {
        String withXInclude = new String(edxml(G22, List.of(H41), "Công văn"), StandardCharsets.UTF_8).replace(
                "</edXML:Subject>", "</edXML:Subject><edXML:Content xmlns:xi=\"http://www.w3.org/2001/XInclude\">"
                        + "<xi:include href=\"file:///etc/passwd\" parse=\"text\"/></edXML:Content>");

        Answer answer = g22.submit(withXInclude.getBytes(StandardCharsets.UTF_8));

        assertRefusedAndNothingStored(answer, 400, "edxml-invalid");
        assertEquals("edXML/edXMLEnvelope/edXMLHeader/MessageHeader/Content", answer.json().path("element").asText());
        assertEquals("text-only", answer.json().path("rule").asText());
    }

    @Test
    void refusesADocumentWhoseSenderIsNotTheTenant() throws Exception {
        assertRefusedAndNothingStored(h41.submit(edxml(G22, List.of(H14), "giả mạo")), 403, "sender-not-tenant");
    }

    @Test
    void refusesAnUnknownRecipient() throws Exception {
        assertRefusedAndNothingStored(g22.submit(edxml(G22, List.of("000.00.00.H99"), "không có")), 422,
                "unknown-recipient");
    }

    @Test
    void refusesAClientCertificateThatBelongsToNoTenant() throws Exception {
        KeyPair key = DemoCa.ecKeyPair();
        X509Certificate stranger = ca.issue(new X500Name("CN=DMS stranger"), key.getPublic(),
                DemoCa.Profile.DMS_CLIENT, List.of(), List.of());
        try (DocumentSystemClient client = new DocumentSystemClient(a.running.apiUri().resolve("/")
                .resolve("https://localhost:" + a.running.apiUri().getPort()), key.getPrivate(), stranger, ca.root())) {
            Answer answer = client.submit(edxml(G22, List.of(H41), "x"));
            assertEquals(403, answer.status());
            assertEquals("application/problem+json", answer.contentType());
            assertEquals("urn:lienthong:problem:unknown-client-certificate", answer.json().path("type").asText());
        }
        assertTrue(metric(a, "lienthong_documents_rejected_total", "reason=\"unknown-client-certificate\"") >= 1);
    }

    @Test
    void refusesAClientCertificateFromAnUntrustedCaAtTheTlsLayer() throws Exception {
        DemoCa other = DemoCa.create("some other CA");
        KeyPair key = DemoCa.ecKeyPair();
        X509Certificate cert = other.issue(new X500Name("CN=DMS " + G22), key.getPublic(), DemoCa.Profile.DMS_CLIENT,
                List.of(), List.of());
        try (DocumentSystemClient client = new DocumentSystemClient(
                URI.create("https://localhost:" + a.running.apiUri().getPort()), key.getPrivate(), cert, ca.root())) {
            assertThrows(IOException.class, () -> client.submit(edxml(G22, List.of(H41), "x")));
        }
    }

    @Test
    void refusesAnExpiredClientCertificateAtTheTlsLayerAndCountsIt() throws Exception {
        KeyPair key = DemoCa.ecKeyPair();
        X509Certificate expired = ca.issue(new X500Name("CN=DMS " + G22), key.getPublic(), DemoCa.Profile.DMS_CLIENT,
                List.of(), List.of(), Instant.now().minus(Duration.ofDays(10)), Instant.now().minus(Duration.ofDays(1)));
        try (DocumentSystemClient client = new DocumentSystemClient(
                URI.create("https://localhost:" + a.running.apiUri().getPort()), key.getPrivate(), expired, ca.root())) {
            assertThrows(IOException.class, () -> client.submit(edxml(G22, List.of(H41), "x")));
        }
        assertTrue(metric(a, "lienthong_tls_handshakes_total", "listener=\"api\",outcome=\"failure\"") >= 1);
    }

    // --- bad input on the axis ---------------------------------------------------------------

    @Test
    void refusesATamperedPayload() throws Exception {
        Envelope good = seal(peerA, "sign-" + G22, G22, List.of(H41));
        byte[] payload = good.payload().clone();
        payload[10] ^= 1;
        assertAxisRefused(new Envelope(good.headerBytes(), payload, good.signature()), peerA, 400,
                "payload-digest-mismatch");
    }

    @Test
    void refusesATamperedHeader() throws Exception {
        Envelope good = seal(peerA, "sign-" + G22, G22, List.of(H41));
        String header = new String(good.headerBytes(), StandardCharsets.UTF_8);
        byte[] forged = header.replace(good.header().createdAt().toString().substring(0, 4), "2099")
                .getBytes(StandardCharsets.UTF_8);
        assertAxisRefused(new Envelope(forged, good.payload(), good.signature()), peerA, 400, "bad-signature");
    }

    @Test
    void refusesASignerWhoIsNotTheSenderOrgan() throws Exception {
        // H41's genuine key signs a header that claims to come from G22 (our sealer would refuse to).
        byte[] payload = edxml(G22, List.of(H14), "mạo danh");
        byte[] header = header(G22, List.of(H14), payload).toBytes();
        Envelope forged = new Envelope(header, payload, new CmsSigner(peerB.provider())
                .signDetached(peerB.key("sign-" + H41).orElseThrow(), header));
        assertAxisRefused(forged, peerA, 403, "signer-not-sender", H14);
    }

    @Test
    void refusesASignerCertifiedByAnUntrustedCa() throws Exception {
        DemoCa other = DemoCa.create("rogue CA");
        TokenKey rogue = keyWithCertificate(peerA, "rogue-" + UUID.randomUUID(), other, Instant.now().minusSeconds(60),
                Instant.now().plus(Duration.ofDays(1)));
        byte[] payload = edxml(G22, List.of(H41), "giả mạo");
        Envelope envelope = new EnvelopeSealer(new CmsSigner(peerA.provider())).seal(header(G22, List.of(H41), payload),
                payload, rogue);
        assertAxisRefused(envelope, peerA, 403, "untrusted-signer");
    }

    @Test
    void refusesAnExpiredSigner() throws Exception {
        TokenKey expired = keyWithCertificate(peerA, "expired-" + UUID.randomUUID(), ca,
                Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1)));
        byte[] payload = edxml(G22, List.of(H41), "hết hạn");
        Envelope envelope = new EnvelopeSealer(new CmsSigner(peerA.provider())).seal(header(G22, List.of(H41), payload),
                payload, expired);
        assertAxisRefused(envelope, peerA, 403, "expired-signer");
    }

    @Test
    void refusesAnEnvelopeFromAnApplianceTheDirectoryDoesNotPinForTheSender() throws Exception {
        // Properly signed by G22, but sent by appliance b's TLS identity instead of a's.
        Envelope envelope = seal(peerA, "sign-" + G22, G22, List.of(H41));
        assertAxisRefused(envelope, peerB, 403, "peer-not-sender-appliance");
    }

    // --- a pinned peer forging the payload's organs (the real sealer and HSM key of the organ it hosts) ---

    @Test
    void refusesAndAuditsAPayloadWhoseFromIsNotTheEnvelopesSender() throws Exception {
        // Appliance a seals, with G22's own HSM key, an envelope from G22 whose edXML claims to come from H14.
        byte[] payload = edxml(H14, List.of(H41), "mạo danh người gửi");
        Envelope forged = seal(peerA, "sign-" + G22, header(G22, List.of(H41), payload), payload);

        b.running.flushRefusals(); // a new aggregate window, whose first request is this one
        long auditBefore = b.running.storage().audit().size();
        assertAxisRefused(forged, peerA, 422, "payload-header-mismatch");

        assertMismatchAudited(auditBefore, forged.header().messageId());
    }

    @Test
    void refusesAPayloadWhoseToDoesNotIncludeTheRecipient() throws Exception {
        byte[] payload = edxml(G22, List.of(H14), "gửi nhầm người nhận");
        Envelope forged = seal(peerA, "sign-" + G22, header(G22, List.of(H41), payload), payload);

        assertAxisRefused(forged, peerA, 422, "payload-header-mismatch");
    }

    @Test
    void refusesAStatusMessageInTheNameOfAnotherOrganAndKeepsTheHistoryUnderTheAuthenticatedSender()
            throws Exception {
        byte[] document = edxml(G22, List.of(H41), "Chỉ gửi H41");
        String id = deliveredFromG22ToH41(document);
        String documentId = EdxmlMessage.parse(document).documentId();

        // Appliance b, pinned for H14, sends G22 an "accepted" in H41's name, sealed with H14's real key.
        byte[] inH41sName = statusMessage(H41, G22, documentId, "03");
        Envelope forged = seal(peerB, "sign-" + H14, header(H14, List.of(G22), inH41sName), inH41sName);
        HttpResponse<byte[]> refused = postAxis(a, peerB, forged, G22);
        assertEquals(422, refused.statusCode(), new String(refused.body(), StandardCharsets.UTF_8));
        assertTrue(new String(refused.body(), StandardCharsets.UTF_8)
                .contains("urn:lienthong:problem:payload-header-mismatch"));
        assertEquals(404, g22.fetch(forged.header().messageId()).status(), "nothing was stored");

        // In its own name H14 may speak, but it was not sent the document: its status is not in the history.
        byte[] inItsOwnName = statusMessage(H14, G22, documentId, "03");
        Envelope own = seal(peerB, "sign-" + H14, header(H14, List.of(G22), inItsOwnName), inItsOwnName);
        HttpResponse<byte[]> accepted = postAxis(a, peerB, own, G22);
        assertEquals(200, accepted.statusCode(), new String(accepted.body(), StandardCharsets.UTF_8));
        assertEquals(200, g22.fetch(own.header().messageId()).status(), "delivered to the document system");
        JsonNode recipients = g22.outboxStatus(id).json().path("recipients");
        assertEquals(H41, recipients.get(0).path("organId").asText(), recipients.toString());
        assertEquals(0, recipients.get(0).path("statusHistory").size(), recipients.toString());
        assertEquals(204, g22.acknowledge(own.header().messageId()).status());
    }

    /** Submits G22's document to H41 and waits until it is delivered; returns its message id. */
    private static String deliveredFromG22ToH41(byte[] document) throws Exception {
        Answer submitted = g22.submit(document);
        assertEquals(202, submitted.status(), submitted.text());
        String id = submitted.json().path("id").asText();
        awaitDelivered(g22, id, 1);
        return id;
    }

    private static void assertMismatchAudited(long auditBefore, String messageId) {
        b.running.flushRefusals();
        List<String> details = new ArrayList<>();
        b.running.storage().audit().forEach(r -> {
            if (r.sequence() > auditBefore && r.action().equals(vn.lienthong.appliance.audit.RefusalAudit.ACTION)) {
                details.add(r.detail());
            }
        });
        assertTrue(details.stream().anyMatch(d -> d.contains("reason=payload-header-mismatch") && d.contains(messageId)),
                "audited: " + details);
    }

    // --- helpers -----------------------------------------------------------------------------

    private static void assertRefusedAndNothingStored(Answer answer, int status, String problem) throws Exception {
        double acceptedBefore = metric(a, "lienthong_documents_accepted_total", "") + metric(b,
                "lienthong_documents_accepted_total", "");
        assertEquals(status, answer.status(), answer.text());
        assertEquals("application/problem+json", answer.contentType());
        assertEquals("urn:lienthong:problem:" + problem, answer.json().path("type").asText());
        assertFalse(answer.json().path("detail").asText().isBlank());
        assertTrue(metric(a, "lienthong_documents_rejected_total", "reason=\"" + problem + "\"")
                + metric(b, "lienthong_documents_rejected_total", "reason=\"" + problem + "\"") >= 1);
        double acceptedAfter = metric(a, "lienthong_documents_accepted_total", "") + metric(b,
                "lienthong_documents_accepted_total", "");
        assertEquals(acceptedBefore, acceptedAfter, "a refused submission is never accepted");
    }

    private static void assertAxisRefused(Envelope envelope, Token sendingAppliance, int status, String problem)
            throws Exception {
        assertAxisRefused(envelope, sendingAppliance, status, problem, H41);
    }

    private static void assertAxisRefused(Envelope envelope, Token sendingAppliance, int status, String problem,
                                          String recipient) throws Exception {
        HttpResponse<byte[]> response = postAxis(b, sendingAppliance, envelope, recipient);
        String body = new String(response.body(), StandardCharsets.UTF_8);
        assertEquals(status, response.statusCode(), body);
        assertTrue(body.contains("urn:lienthong:problem:" + problem), body);
        assertTrue(metric(b, "lienthong_documents_rejected_total", "reason=\"" + problem + "\"") >= 1);
        DocumentSystemClient inbox = recipient.equals(H41) ? h41 : h14;
        assertEquals(404, inbox.fetch(envelope.header().messageId()).status(), "nothing was stored");
    }

    private static HttpResponse<byte[]> postAxis(TestAppliance to, Token from, Envelope envelope, String recipient)
            throws Exception {
        TokenKey tls = from.key("tls").orElseThrow();
        String pin = to.setup.tlsCertificateSha256();
        try (HttpClient client = HttpClient.newBuilder()
                .sslContext(JsseContexts.client(tls, new PinnedServerTrustManager(() -> List.of(ca.root()), pin)))
                .sslParameters(JsseContexts.clientParameters())
                .build()) {
            return client.send(HttpRequest.newBuilder(to.axis().resolve(EnvelopeReceiver.PATH))
                    .header(EnvelopeReceiver.RECIPIENT_HEADER, recipient)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(EnvelopeCodec.encode(envelope)))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
        }
    }

    /** An envelope from {@code sender} to {@code recipients}, signed with the key under {@code alias}. */
    private static Envelope seal(Token token, String alias, String sender, List<String> recipients) {
        byte[] payload = edxml(sender, recipients, "trực tiếp");
        return seal(token, alias, header(sender, recipients, payload), payload);
    }

    private static Envelope seal(Token token, String alias, EnvelopeHeader header, byte[] payload) {
        return new EnvelopeSealer(new CmsSigner(token.provider())).seal(header, payload,
                token.key(alias).orElseThrow());
    }

    private static EnvelopeHeader header(String sender, List<String> recipients, byte[] payload) {
        return EnvelopeHeader.of(UUID.randomUUID().toString(), sender, recipients, Instant.now(),
                LocalApi.EDXML_CONTENT_TYPE, payload);
    }

    /** A key in the token whose certificate, with subject CN=G22, comes from {@code issuer}. */
    private static TokenKey keyWithCertificate(Token token, String alias, DemoCa issuer, Instant notBefore,
                                               Instant notAfter) {
        TokenKey key = token.generateKey(alias, KeyAlgorithm.EC_P256);
        X509Certificate cert = issuer.issue(new X500Name("CN=" + G22 + ",C=VN"), key.publicKey(),
                DemoCa.Profile.SIGNING, List.of(), List.of(), notBefore, notAfter);
        return token.storeChain(alias, List.of(cert, issuer.root()));
    }

    static void awaitDelivered(DocumentSystemClient sender, String id, int recipients) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (Instant.now().isBefore(deadline)) {
            Answer status = sender.outboxStatus(id);
            assertEquals(200, status.status(), status.text());
            if (status.json().path("delivered").asBoolean()) {
                assertEquals(recipients, status.json().path("recipients").size());
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not delivered in 30 seconds: " + sender.outboxStatus(id).text());
    }

    /** The sum of a metric's samples whose labels contain {@code labelPart}. */
    static double metric(TestAppliance appliance, String name, String labelPart) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            String text = http.send(HttpRequest.newBuilder(appliance.running.opsUri().resolve("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            double sum = 0;
            Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$").matcher(text);
            while (m.find()) {
                if (m.group(1) == null ? labelPart.isEmpty() : m.group(1).contains(labelPart)) {
                    sum += Double.parseDouble(m.group(2));
                }
            }
            return sum;
        }
    }

    static byte[] edxml(String from, List<String> to, String subject) {
        return TestAppliance.edxml(from, to, subject);
    }
}
