package vn.lienthong.appliance;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import vn.lienthong.appliance.config.ApplianceConfig;
import vn.lienthong.appliance.demo.ApplianceSetup;
import vn.lienthong.appliance.demo.DemoCa;
import vn.lienthong.appliance.demo.DocumentSystemClient;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.TokenConfig;
import vn.lienthong.hsm.token.TokenSupervisor;

/**
 * An appliance for end-to-end tests: its own SoftHSM2 token and LMDB directory, provisioned with
 * the operator CLI in this JVM (before it starts: LMDB must not be opened twice in one process),
 * listening on free loopback ports.
 */
public final class TestAppliance implements AutoCloseable {

    public final String name;
    public final Path dir;
    public final Path config;
    public final ApplianceSetup.Result setup;
    public Appliance running;

    private TestAppliance(String name, Path dir, Path config, ApplianceSetup.Result setup) {
        this.name = name;
        this.dir = dir;
        this.config = config;
        this.setup = setup;
    }

    /** Writes the config, provisions TLS identity and tenants (the token must exist already). */
    public static TestAppliance provision(String name, Path parent, SoftHsmTestToken token, DemoCa ca, Path caRoot,
                                   List<ApplianceSetup.TenantSpec> tenants) throws Exception {
        return provision(name, parent, token, ca, caRoot, tenants, "");
    }

    /** As above, with {@code hsmExtra} (indented YAML) added under {@code hsm:}, such as {@code tokens:}. */
    static TestAppliance provision(String name, Path parent, SoftHsmTestToken token, DemoCa ca, Path caRoot,
                                   List<ApplianceSetup.TenantSpec> tenants, String hsmExtra) throws Exception {
        return provision(name, parent, token, ca, caRoot, tenants, hsmExtra, false);
    }

    /** As above, the tenants added with the bulk commands ({@code tenant import}, {@code cert import-tenants}). */
    static TestAppliance provisionInBulk(String name, Path parent, SoftHsmTestToken token, DemoCa ca, Path caRoot,
                                         List<ApplianceSetup.TenantSpec> tenants) throws Exception {
        return provision(name, parent, token, ca, caRoot, tenants, "", true);
    }

    private static TestAppliance provision(String name, Path parent, SoftHsmTestToken token, DemoCa ca, Path caRoot,
                                           List<ApplianceSetup.TenantSpec> tenants, String hsmExtra, boolean bulk)
            throws Exception {
        Path dir = Files.createDirectories(parent.resolve(name));
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                appliance:
                  name: %s
                listeners:
                  api:  { host: 127.0.0.1, port: 0 }
                  axis: { host: 127.0.0.1, port: 0 }
                  ops:  { host: 127.0.0.1, port: 0 }
                storage:
                  path: data
                  map-size-mib: 64
                hsm:
                  library: %s
                  token-label: %s
                  pin: file:%s
                %s
                forwarder:
                  initial-backoff-millis: 100
                  max-backoff-millis: 1000
                  request-timeout-millis: 10000
                """.formatted(name, TokenConfig.SOFTHSM2_LIBRARY, token.label(), token.pinFile(), hsmExtra));
        ApplianceSetup setupTool = new ApplianceSetup(ca, caRoot);
        ApplianceSetup.Cli cli = arguments -> cli(config, arguments);
        ApplianceSetup.Result setup = bulk ? setupTool.provisionInBulk(dir, tenants, cli)
                : setupTool.provision(dir, tenants, cli);
        return new TestAppliance(name, dir, config, setup);
    }

    /** Runs {@code lienthong provision --config CONFIG …} in this JVM; fails the test on a non-zero exit. */
    public static void cli(Path config, List<String> arguments) {
        List<String> all = new ArrayList<>(List.of("provision", "--config", config.toString()));
        all.addAll(arguments);
        StringWriter err = new StringWriter();
        CommandLine commandLine = Lienthong.commandLine();
        commandLine.setErr(new PrintWriter(err));
        commandLine.setOut(new PrintWriter(new StringWriter()));
        int exit = commandLine.execute(all.toArray(String[]::new));
        if (exit != 0) {
            throw new AssertionError("lienthong " + String.join(" ", all) + " exited " + exit + ": " + err);
        }
    }

    public void start() {
        running = Appliance.start(ApplianceConfig.load(config));
    }

    /** Starts with the token reached through a fault-injecting opener and boundary. */
    void start(TokenSupervisor.Opener opener, TokenSupervisor.Boundary boundary) {
        running = Appliance.start(ApplianceConfig.load(config), opener, boundary);
    }

    public URI axis() {
        return running.axisUri();
    }

    public DocumentSystemClient documentSystem(String organId, DemoCa ca) {
        ApplianceSetup.DmsIdentity dms = setup.documentSystems().get(organId);
        return new DocumentSystemClient(URI.create("https://localhost:" + running.apiUri().getPort()), dms.key(),
                dms.certificate(), ca.root());
    }

    @Override
    public void close() {
        if (running != null) {
            running.close();
        }
    }

    /** Closes each that is not null, in order, going on past any that fails: a test's clean-up after a failure. */
    public static void closeAll(AutoCloseable... resources) {
        for (AutoCloseable resource : resources) {
            try {
                if (resource != null) {
                    resource.close();
                }
            } catch (Exception ignored) {
                // best effort: the test's own failure, if any, is what matters
            }
        }
    }

    /** A small edXML document from {@code from} to each of {@code to}, with a fresh document id. */
    public static byte[] edxml(String from, List<String> to, String subject) {
        StringBuilder recipients = new StringBuilder();
        for (String organ : to) {
            recipients.append("<edXML:To><edXML:OrganId>").append(organ).append("</edXML:OrganId></edXML:To>");
        }
        return ("""
                <?xml version="1.0" encoding="UTF-8"?>
                <edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
                  <edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
                    <edXML:edXMLHeader>
                      <edXML:MessageHeader>
                        <edXML:From><edXML:OrganId>%s</edXML:OrganId></edXML:From>
                        %s
                        <edXML:DocumentId>%s</edXML:DocumentId>
                        <edXML:Code><edXML:CodeNumber>1</edXML:CodeNumber><edXML:CodeNotation>VPCP-TTĐT</edXML:CodeNotation></edXML:Code>
                        <edXML:PromulgationInfo><edXML:PromulgationDate>2024/03/15</edXML:PromulgationDate></edXML:PromulgationInfo>
                        <edXML:Subject>%s</edXML:Subject>
                      </edXML:MessageHeader>
                    </edXML:edXMLHeader>
                    <edXML:edXMLBody/>
                  </edXML:edXMLEnvelope>
                </edXML>
                """.formatted(from, recipients, java.util.UUID.randomUUID(), subject)).strip()
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
