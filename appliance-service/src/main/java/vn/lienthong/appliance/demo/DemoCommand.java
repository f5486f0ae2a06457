package vn.lienthong.appliance.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import vn.lienthong.appliance.cli.JvmLauncher;
import vn.lienthong.appliance.demo.DocumentSystemClient.Answer;
import vn.lienthong.appliance.envelope.EnvelopeRejectedException;
import vn.lienthong.appliance.evidence.EvidenceFile;
import vn.lienthong.appliance.evidence.EvidenceVerifier;

/**
 * {@code lienthong demo}: two real appliances on this machine exchange official documents. It makes
 * a demo CA, provisions appliance {@code a} (an agency's own server) and {@code b} (the shared
 * server with two tenants) with the operator CLI exactly as an operator would, starts both as
 * separate processes, sends documents between their tenants' document systems over mutual TLS,
 * and saves and checks the evidence of each delivery.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Show the main job working: two appliances on loopback exchange signed documents.",
                "Everything is made afresh under var/demo/ (the CA, both appliances' SoftHSM2 tokens, keys,",
                "certificates, stores and the evidence of each delivery)."})
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--once", description = "Stop both appliances at the end; exit 0 only if every document "
            + "was delivered, acknowledged and its evidence verified.")
    boolean once;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where to make the demo (default: var/demo under "
            + "the lienthong directory).")
    Path directory;

    private final JvmLauncher launcher = new JvmLauncher();
    private final List<Process> running = new ArrayList<>();

    record DemoTenant(String organId, String name, String place, String algorithm) {
        ApplianceSetup.TenantSpec spec() {
            return new ApplianceSetup.TenantSpec(organId, name, algorithm);
        }
    }

    record DemoAppliance(String name, String description, int apiPort, int axisPort, int opsPort,
                         List<DemoTenant> tenants) {
    }

    record Sending(DemoTenant from, List<DemoTenant> to, String subject) {
    }

    /** One delivery of one document to one recipient, and what became of it. */
    static final class Delivery {
        final String id;
        final DemoTenant from;
        final DemoTenant to;
        final byte[] document;
        String delivered = "no";
        String acknowledged = "no";
        String verified = "no";

        final String via;

        Delivery(String id, DemoTenant from, DemoTenant to, byte[] document) {
            this(id, from, to, document, "/api/v1/outbox");
        }

        Delivery(String id, DemoTenant from, DemoTenant to, byte[] document, String via) {
            this.via = via;
            this.id = id;
            this.from = from;
            this.to = to;
            this.document = document;
        }

        boolean complete() {
            return delivered.equals("yes") && acknowledged.equals("yes") && verified.startsWith("yes");
        }
    }

    private static final DemoTenant G22 = new DemoTenant("000.00.00.G22", "Văn phòng Chính phủ", "Hà Nội", "rsa2048");
    private static final DemoTenant H41 = new DemoTenant("000.00.00.H41", "UBND tỉnh Nghệ An", "Nghệ An", "rsa2048");
    private static final DemoTenant H14 = new DemoTenant("000.00.00.H14", "UBND tỉnh Cao Bằng", "Cao Bằng", "ecp256");
    private static final DemoAppliance A = new DemoAppliance("a", "an agency's own secure server",
            18443, 15500, 19090, List.of(G22));
    private static final DemoAppliance B = new DemoAppliance("b", "the shared server of the Government Office",
            28443, 25500, 29090, List.of(H41, H14));

    private Path demo;
    private DemoCa ca;
    private final Map<String, DocumentSystemClient> clients = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        demo = (directory != null ? directory : defaultDirectory()).toAbsolutePath().normalize();
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAppliances, "demo-stop"));
        try {
            say("making " + demo + " afresh");
            deleteRecursively(demo);
            Files.createDirectories(demo.resolve("ca"));
            Files.createDirectories(demo.resolve("evidence"));

            ca = DemoCa.create("lienthong demo CA");
            ca.writeTo(demo.resolve("ca"));
            say("demo CA made (stands in for the Government CA): " + demo.resolve("ca/root.pem")
                    + "; its key, for trying revocation with 'openssl ca -config " + demo.resolve("ca/openssl.cnf")
                    + "', is " + demo.resolve("ca/root.key"));

            provisionBothAppliances();
            for (DemoAppliance appliance : List.of(A, B)) {
                startAppliance(appliance);
            }
            for (DemoAppliance appliance : List.of(A, B)) {
                awaitReady(appliance);
            }
            List<Delivery> deliveries = exchangeDocuments();
            printSummary(deliveries);
            long complete = deliveries.stream().filter(Delivery::complete).count();
            if (once) {
                stopAppliances();
                System.out.println("demo: " + complete + "/" + deliveries.size()
                        + " documents delivered, acknowledged and verified");
                return complete == deliveries.size() ? 0 : 1;
            }
            printHowToUse();
            new CountDownLatch(1).await();
            return 0;
        } finally {
            clients.values().forEach(DocumentSystemClient::close);
            if (once) {
                stopAppliances();
            }
        }
    }

    private static Path defaultDirectory() {
        String home = System.getenv("LIENTHONG_HOME");
        return (home != null ? Path.of(home) : Path.of("")).resolve("var/demo");
    }

    // --- provisioning, as an operator would do it with the CLI -------------------------------

    private void provisionBothAppliances() throws Exception {
        List<DemoAppliance> appliances = List.of(A, B);
        for (DemoAppliance appliance : appliances) {
            prepareDirectory(appliance);
        }
        ApplianceSetup setup = new ApplianceSetup(ca, demo.resolve("ca/root.pem"));
        // The two appliances are independent machines in real life: provision them side by side.
        List<ApplianceSetup.Route> routes = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(appliances.size())) {
            List<Future<ApplianceSetup.Result>> results = new ArrayList<>();
            for (DemoAppliance appliance : appliances) {
                results.add(pool.submit(() -> {
                    provision(appliance, List.of("token", "init", "--so-pin-file",
                            applianceDir(appliance).resolve("so-pin").toString()));
                    return setup.provision(applianceDir(appliance),
                            appliance.tenants().stream().map(DemoTenant::spec).toList(),
                            arguments -> provision(appliance, arguments));
                }));
            }
            for (int i = 0; i < appliances.size(); i++) {
                DemoAppliance appliance = appliances.get(i);
                ApplianceSetup.Result result = results.get(i).get();
                for (DemoTenant tenant : appliance.tenants()) {
                    ApplianceSetup.DmsIdentity dms = result.documentSystems().get(tenant.organId());
                    clients.put(tenant.organId(), new DocumentSystemClient(
                            URI.create("https://localhost:" + appliance.apiPort()), dms.key(), dms.certificate(),
                            ca.root()));
                    routes.add(new ApplianceSetup.Route(tenant.organId(), "https://127.0.0.1:" + appliance.axisPort(),
                            result.tlsCertificateSha256()));
                }
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        Path directoryFile = demo.resolve("directory.json");
        Files.writeString(directoryFile, ApplianceSetup.directoryJson(routes));
        say("routing directory written: " + directoryFile + " (organ id -> axis endpoint and TLS pin)");
        for (DemoAppliance appliance : appliances) {
            provision(appliance, List.of("directory", "import", directoryFile.toString()));
        }
    }

    private void prepareDirectory(DemoAppliance appliance) throws IOException {
        Path dir = applianceDir(appliance);
        Files.createDirectories(dir.resolve("tokens"));
        Files.writeString(dir.resolve("softhsm2.conf"), "# SoftHSM2 for demo appliance " + appliance.name() + "\n"
                + "directories.tokendir = " + dir.resolve("tokens") + "\n"
                + "objectstore.backend = file\nlog.level = ERROR\n");
        ApplianceSetup.writeSecret(dir.resolve("pin"), randomPin());
        ApplianceSetup.writeSecret(dir.resolve("so-pin"), randomPin());
        Files.writeString(dir.resolve("config.yaml"), """
                # lienthong demo appliance %s: %s
                appliance:
                  name: %s
                listeners:
                  api:  { host: 127.0.0.1, port: %d }
                  axis: { host: 127.0.0.1, port: %d }
                  ops:  { host: 127.0.0.1, port: %d }
                storage:
                  path: data
                  map-size-mib: 256
                hsm:
                  library: /usr/lib/softhsm/libsofthsm2.so
                  token-label: lienthong-demo-%s
                  pin: file:pin
                forwarder:
                  initial-backoff-millis: 200
                  max-backoff-millis: 5000
                """.formatted(appliance.name(), appliance.description(), appliance.name(), appliance.apiPort(),
                appliance.axisPort(), appliance.opsPort(), appliance.name()));
    }

    private void provision(DemoAppliance appliance, List<String> arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("provision", "--config",
                applianceDir(appliance).resolve("config.yaml").toString()));
        command.addAll(arguments);
        String shown = "lienthong provision " + String.join(" ", arguments).replace(demo + "/", "");
        JvmLauncher.Result result = launcher.run(environment(appliance), command);
        if (result.exitCode() != 0) {
            throw new DemoFailedException("[" + appliance.name() + "] '" + shown + "' failed: " + result.output());
        }
        String firstLine = result.output().lines().findFirst().orElse("");
        say("[" + appliance.name() + "] " + shown + (firstLine.isEmpty() ? "" : "  ->  " + firstLine));
    }

    // --- running -----------------------------------------------------------------------------

    private void startAppliance(DemoAppliance appliance) throws IOException {
        Path dir = applianceDir(appliance);
        Path log = dir.resolve("appliance.log");
        Process process = launcher.start(environment(appliance),
                List.of("serve", "--config", dir.resolve("config.yaml").toString()), log);
        running.add(process);
        say("[" + appliance.name() + "] appliance started (pid " + process.pid() + ", " + appliance.description()
                + "), log: " + log);
    }

    private void awaitReady(DemoAppliance appliance) throws Exception {
        URI ready = URI.create("http://127.0.0.1:" + appliance.opsPort() + "/health/ready");
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        try (HttpClient http = HttpClient.newHttpClient()) {
            while (Instant.now().isBefore(deadline)) {
                for (Process p : running) {
                    if (!p.isAlive()) {
                        throw new DemoFailedException("[" + appliance.name() + "] the appliance stopped: see "
                                + applianceDir(appliance).resolve("appliance.log"));
                    }
                }
                try {
                    HttpResponse<String> response = http.send(HttpRequest.newBuilder(ready).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 200) {
                        say("[" + appliance.name() + "] ready: local API https://localhost:" + appliance.apiPort()
                                + ", axis https://127.0.0.1:" + appliance.axisPort() + ", operations http://127.0.0.1:"
                                + appliance.opsPort());
                        return;
                    }
                } catch (IOException notYet) {
                    // still starting
                }
                Thread.sleep(200);
            }
        }
        throw new DemoFailedException("[" + appliance.name() + "] was not ready within 60 seconds: see "
                + applianceDir(appliance).resolve("appliance.log"));
    }

    private List<Delivery> exchangeDocuments() throws Exception {
        List<Sending> sendings = List.of(
                new Sending(G22, List.of(H41, H14), "V/v triển khai kết nối liên thông văn bản điện tử"),
                new Sending(H41, List.of(G22), "Báo cáo tình hình triển khai gửi nhận văn bản điện tử"));
        List<Delivery> deliveries = new ArrayList<>();
        int number = 100;
        for (Sending sending : sendings) {
            byte[] document = edxml(sending, ++number);
            Answer answer = clients.get(sending.from().organId()).submit(document);
            if (answer.status() != 202) {
                throw new DemoFailedException(sending.from().organId() + "'s document system could not submit: "
                        + answer.status() + " " + answer.text());
            }
            String id = answer.json().path("id").asText();
            say(sending.from().organId() + " submits document " + number + " to "
                    + String.join(", ", sending.to().stream().map(DemoTenant::organId).toList())
                    + ": 202 Accepted, signed in the HSM and stored, id " + id);
            for (DemoTenant to : sending.to()) {
                deliveries.add(new Delivery(id, sending.from(), to, document));
            }
        }
        deliveries.add(sendThroughSdk(new Sending(G22, List.of(H41),
                "V/v gửi văn bản qua giao diện SDK của Văn phòng Chính phủ"), ++number));
        for (Delivery delivery : deliveries) {
            awaitDelivered(delivery);
        }
        for (Delivery delivery : deliveries) {
            receive(delivery);
        }
        for (Delivery delivery : deliveries) {
            checkEvidence(delivery);
        }
        sendStatusBack(deliveries.getFirst());
        return deliveries;
    }

    /** What the status message sent back showed in the sender's status history, for the summary. */
    private String statusSummary = "no status message was sent back";

    /**
     * G22's document system, as one built on the Government Office's SDK would, sends a document
     * through /sendEdoc with the SDK's HMAC headers (its secret issued by the operator CLI).
     */
    private Delivery sendThroughSdk(Sending sending, int number) throws Exception {
        JvmLauncher.Result issued = launcher.run(environment(A), List.of("provision", "--config",
                applianceDir(A).resolve("config.yaml").toString(), "tenant", "sdk-secret", sending.from().organId()));
        java.util.regex.Matcher secret = java.util.regex.Pattern.compile("\\): (\\S+)").matcher(issued.output());
        if (issued.exitCode() != 0 || !secret.find()) {
            throw new DemoFailedException("[a] could not issue the SDK secret: " + issued.output());
        }
        say("[a] lienthong provision tenant sdk-secret " + sending.from().organId()
                + "  ->  secret issued (stored encrypted under an AES key in the HSM; not shown here)");
        byte[] document = edxml(sending, number);
        String boundary = "----lienthong-demo-" + number;
        byte[] form = SdkRequests.form(boundary, new LinkedHashMap<>(Map.of(
                "file_doc", document,
                "from", sending.from().organId().getBytes(StandardCharsets.UTF_8),
                "to", ("[\"" + sending.to().getFirst().organId() + "\"]").getBytes(StandardCharsets.UTF_8),
                "servicetype", "eDoc".getBytes(StandardCharsets.UTF_8),
                "messagetype", "edoc".getBytes(StandardCharsets.UTF_8))));
        Answer answer = clients.get(sending.from().organId()).sdk("/sendEdoc",
                SdkRequests.headers(sending.from().organId(), secret.group(1), Instant.now()),
                "multipart/form-data; boundary=" + boundary, form);
        if (answer.status() != 200 || !"OK".equals(answer.json().path("status").asText())) {
            throw new DemoFailedException(sending.from().organId() + "'s document system could not use /sendEdoc: "
                    + answer.status() + " " + answer.text());
        }
        String id = answer.json().path("DocId").asText();
        say(sending.from().organId() + " sends document " + number + " to " + sending.to().getFirst().organId()
                + " through the SDK API (/sendEdoc, HMAC headers): OK, DocId " + id);
        return new Delivery(id, sending.from(), sending.to().getFirst(), document, "SDK /sendEdoc");
    }

    /** The recipient's document system reports "accepted" (03); the sender's appliance shows it in the status history. */
    private void sendStatusBack(Delivery delivery) throws Exception {
        String documentId = vn.lienthong.appliance.edxml.EdxmlMessage.parse(delivery.document).documentId();
        byte[] status = ("""
                <?xml version="1.0" encoding="UTF-8"?>
                <edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
                  <edXMLEnvelope><edXMLHeader><MessageHeader>
                    <From><OrganId>%s</OrganId><OrganName>%s</OrganName></From>
                    <ResponseFor><OrganId>%s</OrganId><DocumentId>%s</DocumentId></ResponseFor>
                    <StaffInfo><Department>Văn thư</Department><Staff>Văn thư %s</Staff></StaffInfo>
                    <StatusCode>03</StatusCode>
                    <Description>Đã tiếp nhận vào sổ văn bản đến</Description>
                    <Timestamp>%s</Timestamp>
                  </MessageHeader></edXMLHeader></edXMLEnvelope>
                </edXML>
                """.formatted(delivery.to.organId(), delivery.to.name(), delivery.from.organId(), documentId,
                delivery.to.place(), java.time.LocalDateTime.now(vn.lienthong.appliance.edxml.EdxmlTrace.VIETNAM)
                        .format(java.time.format.DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss"))))
                .strip().getBytes(StandardCharsets.UTF_8);
        Answer answer = clients.get(delivery.to.organId()).submit(status);
        if (answer.status() != 202) {
            statusSummary = "the status message was refused: " + answer.status() + " " + answer.text();
            return;
        }
        String statusId = answer.json().path("id").asText();
        say(delivery.to.organId() + " sends status 03 (accepted) for " + delivery.id + " back to "
                + delivery.from.organId() + ": 202, id " + statusId);
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            for (var recipient : clients.get(delivery.from.organId()).outboxStatus(delivery.id).json().path("recipients")) {
                var history = recipient.path("statusHistory");
                if (recipient.path("organId").asText().equals(delivery.to.organId()) && !history.isEmpty()) {
                    statusSummary = "status " + history.get(0).path("statusCode").asText() + " from "
                            + delivery.to.organId() + " is in " + delivery.from.organId() + "'s status history of "
                            + delivery.id + " (GET /api/v1/outbox/{id})";
                    say(statusSummary);
                    return;
                }
            }
            Thread.sleep(200);
        }
        statusSummary = "status 03 from " + delivery.to.organId() + " did NOT reach the status history within 60 seconds";
    }

    private void awaitDelivered(Delivery delivery) throws Exception {
        DocumentSystemClient sender = clients.get(delivery.from.organId());
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            Answer status = sender.outboxStatus(delivery.id);
            for (var recipient : status.json().path("recipients")) {
                if (recipient.path("organId").asText().equals(delivery.to.organId())
                        && recipient.path("status").asText().equals("delivered")) {
                    delivery.delivered = "yes";
                    say("forwarded " + delivery.from.organId() + " -> " + delivery.to.organId()
                            + " over mutual TLS; signed receipt stored (attempts: " + recipient.path("attempts").asInt() + ")");
                    return;
                }
            }
            Thread.sleep(200);
        }
        say("NOT delivered within 60 seconds: " + delivery.from.organId() + " -> " + delivery.to.organId());
    }

    private void receive(Delivery delivery) throws Exception {
        DocumentSystemClient recipient = clients.get(delivery.to.organId());
        List<String> waiting = recipient.inbox(10);
        if (!waiting.contains(delivery.id)) {
            say(delivery.to.organId() + "'s inbox does not hold " + delivery.id);
            return;
        }
        Answer document = recipient.fetch(delivery.id);
        // The recipient gets the sender's document plus the TraceHeader the sender's appliance added
        // before sealing: exactly the bytes the signed header's digest covers.
        boolean intact = document.status() == 200 && sameDocumentWithTrace(delivery.document, document.body(),
                delivery.from.organId());
        Answer ack = recipient.acknowledge(delivery.id);
        if (intact && ack.status() == 204) {
            delivery.acknowledged = "yes";
            say(delivery.to.organId() + "'s document system fetched " + delivery.id + " (" + document.body().length
                    + " bytes of edXML from " + delivery.from.organId() + ": what was sent, with the sender appliance's"
                    + " TraceHeader) and acknowledged it");
        }
    }

    private static boolean sameDocumentWithTrace(byte[] sent, byte[] received, String sender) {
        try {
            var original = vn.lienthong.appliance.edxml.EdxmlMessage.parse(sent);
            var delivered = vn.lienthong.appliance.edxml.EdxmlMessage.parse(received);
            return original.documentId().equals(delivered.documentId())
                    && delivered.traceHeaders().size() == original.traceHeaders().size() + 1
                    && delivered.traceHeaders().getLast().organId().equals(sender);
        } catch (vn.lienthong.appliance.edxml.EdxmlRejectedException e) {
            return false;
        }
    }

    private void checkEvidence(Delivery delivery) throws Exception {
        Answer evidence = clients.get(delivery.from.organId()).evidence(delivery.id, delivery.to.organId());
        if (evidence.status() != 200) {
            say("no evidence for " + delivery.id + " -> " + delivery.to.organId() + ": " + evidence.text());
            return;
        }
        Path file = demo.resolve("evidence/" + delivery.id + "-" + delivery.to.organId() + ".evidence");
        Files.write(file, evidence.body());
        try {
            List<String> checks = new EvidenceVerifier().verify(EvidenceFile.read(evidence.body()),
                    List.of(ca.root()), Instant.now());
            delivery.verified = "yes";
            say("evidence saved and verified offline: " + demo.relativize(file) + " (" + checks.size() + " checks)");
        } catch (EnvelopeRejectedException e) {
            say("evidence " + file + " does NOT verify: " + e.getMessage());
            return;
        }
        if (opensslVerifies(file)) {
            delivery.verified = "yes (+openssl)";
        }
    }

    /** Also check with OpenSSL alone, as anyone holding the evidence and the root could. */
    private boolean opensslVerifies(Path evidence) throws IOException, InterruptedException {
        Path unpacked = Files.createTempDirectory(demo, "unpack");
        try {
            JvmLauncher.Result unpack = launcher.run(Map.of(), List.of("evidence", "unpack", evidence.toString(),
                    unpacked.toString()));
            if (unpack.exitCode() != 0) {
                return false;
            }
            Process openssl = new ProcessBuilder("openssl", "cms", "-verify", "-binary", "-inform", "DER",
                    "-in", "signature.p7s", "-content", "header.json", "-CAfile", demo.resolve("ca/root.pem").toString(),
                    "-purpose", "any", "-out", "/dev/null")
                    .directory(unpacked.toFile()).redirectErrorStream(true).start();
            openssl.getInputStream().readAllBytes();
            return openssl.waitFor() == 0;
        } catch (IOException noOpenssl) {
            return false;
        } finally {
            deleteRecursively(unpacked);
        }
    }

    private void printSummary(List<Delivery> deliveries) {
        System.out.println();
        String format = "%-38s %-15s %-15s %-15s %-10s %-13s %s%n";
        System.out.printf(format, "message id", "from", "to", "via", "delivered", "acknowledged", "evidence verified");
        for (Delivery d : deliveries) {
            System.out.printf(format, d.id, d.from.organId(), d.to.organId(), d.via, d.delivered, d.acknowledged,
                    d.verified);
        }
        System.out.println("status message: " + statusSummary);
        System.out.println();
    }

    private void printHowToUse() {
        say("both appliances keep running; Ctrl-C stops them. To run one by hand later:");
        System.out.println("  SOFTHSM2_CONF=" + applianceDir(A).resolve("softhsm2.conf") + " ./lienthong serve --config "
                + applianceDir(A).resolve("config.yaml"));
        for (DemoAppliance appliance : List.of(A, B)) {
            Path dir = applianceDir(appliance);
            say("[" + appliance.name() + "] local API https://localhost:" + appliance.apiPort()
                    + "  metrics http://127.0.0.1:" + appliance.opsPort() + "/metrics  config " + dir.resolve("config.yaml"));
        }
        DemoTenant tenant = H41;
        Path dir = applianceDir(B);
        say("try, as " + tenant.organId() + "'s document system:");
        System.out.println("  curl --cacert " + demo.resolve("ca/root.pem") + " --cert " + dir.resolve("dms/" + tenant.organId() + ".crt")
                + " --key " + dir.resolve("dms/" + tenant.organId() + ".key") + " https://localhost:" + B.apiPort() + "/api/v1/inbox");
    }

    private void stopAppliances() {
        for (Process process : running) {
            process.destroy();
        }
        for (Process process : running) {
            try {
                if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        running.clear();
    }

    // --- small things ------------------------------------------------------------------------

    private byte[] edxml(Sending sending, int number) throws IOException {
        String template;
        try (var in = DemoCommand.class.getResourceAsStream("/demo/document.edxml")) {
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        StringBuilder to = new StringBuilder();
        for (DemoTenant recipient : sending.to()) {
            to.append("        <edXML:To>\n")
                    .append("          <edXML:OrganId>").append(recipient.organId()).append("</edXML:OrganId>\n")
                    .append("          <edXML:OrganName>").append(recipient.name()).append("</edXML:OrganName>\n")
                    .append("        </edXML:To>\n");
        }
        String date = java.time.LocalDate.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyy/MM/dd"));
        String notation = sending.from().organId().equals(G22.organId()) ? "VPCP-KSTT" : "UBND-VX";
        String pdf = java.util.Base64.getEncoder().encodeToString(
                ("%PDF-1.4\n% lienthong demo attachment: " + sending.subject() + "\n%%EOF\n").getBytes(StandardCharsets.UTF_8));
        return template.replace("{{FROM_ID}}", sending.from().organId())
                .replace("{{FROM_NAME}}", sending.from().name())
                .replace("{{FROM_PLACE}}", sending.from().place())
                .replace("{{TO_BLOCKS}}", to.toString().stripTrailing())
                .replace("{{DOCUMENT_ID}}", sending.from().organId() + "," + date + "," + number + "/" + notation)
                .replace("{{NUMBER}}", Integer.toString(number))
                .replace("{{NOTATION}}", notation)
                .replace("{{DATE}}", date)
                .replace("{{TIMESTAMP}}", java.time.LocalDateTime.now().format(
                        java.time.format.DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss")))
                .replace("{{SUBJECT}}", sending.subject())
                .replace("{{ATTACHMENT}}", pdf)
                .getBytes(StandardCharsets.UTF_8);
    }

    private Path applianceDir(DemoAppliance appliance) {
        return demo.resolve(appliance.name());
    }

    private Map<String, String> environment(DemoAppliance appliance) {
        return Map.of("SOFTHSM2_CONF", applianceDir(appliance).resolve("softhsm2.conf").toString());
    }

    private static String randomPin() {
        byte[] bytes = new byte[12];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (var walk = Files.walk(path)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static void say(String line) {
        System.out.println("demo: " + line);
    }
}
