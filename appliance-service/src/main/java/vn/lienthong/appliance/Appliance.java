package vn.lienthong.appliance;

import io.helidon.http.DirectHandler;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import vn.lienthong.appliance.admission.HelidonAdmission;
import vn.lienthong.appliance.api.LocalApi;
import vn.lienthong.appliance.api.TransportProblems;
import vn.lienthong.appliance.audit.AuditCheckpointer;
import vn.lienthong.appliance.audit.RefusalAudit;
import vn.lienthong.appliance.axis.DirectoryPins;
import vn.lienthong.appliance.axis.EnvelopeReceiver;
import vn.lienthong.appliance.axis.transport.AxisServer;
import vn.lienthong.appliance.axis.transport.AxisServerSettings;
import vn.lienthong.appliance.config.ApplianceConfig;
import vn.lienthong.appliance.forward.Forwarder;
import vn.lienthong.appliance.keys.ApplianceKeys;
import vn.lienthong.appliance.keys.KeyUsageAudit;
import vn.lienthong.appliance.keys.TlsIdentityWatch;
import vn.lienthong.appliance.ops.ApplianceMetrics;
import vn.lienthong.appliance.ops.Operations;
import vn.lienthong.appliance.ops.OperatorApi;
import vn.lienthong.appliance.ops.RepeatedLog;
import vn.lienthong.appliance.revocation.CrlFetcher;
import vn.lienthong.appliance.sdk.SdkApi;
import vn.lienthong.appliance.status.StatusHistory;
import vn.lienthong.appliance.tenancy.IsolationAudit;
import vn.lienthong.appliance.tenancy.SubmissionRate;
import vn.lienthong.appliance.tls.AnchorTrustManager;
import vn.lienthong.appliance.tls.HandshakeSigners;
import vn.lienthong.appliance.tls.HelidonTls;
import vn.lienthong.appliance.tls.ObservedClientTrust;
import vn.lienthong.appliance.tls.TlsHandshakeListener;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;
import vn.lienthong.hsm.token.TokenSupervisor;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.provisioning.registry.KeyAliasMigration;
import vn.lienthong.storage.IntakeState;
import vn.lienthong.storage.Storage;

/**
 * One running appliance, wired in one place: the store and the HSM token it opens, the local API
 * for tenants' document systems, the axis transport for peer appliances, the forwarder, and the
 * operations port. {@link #close()} stops them in the reverse order.
 */
public final class Appliance implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Appliance.class.getName());
    /** The largest envelope the axis accepts and the largest document the local API takes. */
    public static final int MAX_MESSAGE_BYTES = AxisServerSettings.DEFAULT_MAX_BODY_BYTES;
    /** How often the config file's storage sizes are read again, so a full store grows without a restart. */
    private static final Duration STORAGE_SIZE_CHECK = Duration.ofSeconds(5);
    /** How often the token is probed with a test signature, or, while it is down, reopened. */
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(10);

    private final ApplianceConfig config;
    private final Storage storage;
    private final TokenSupervisor token;
    private final List<TokenSupervisor> tenantTokens;
    private final ApplianceKeys keys;
    private final Forwarder forwarder;
    private final AxisServer axisServer;
    private final WebServer apiServer;
    private final WebServer opsServer;
    private final ScheduledExecutorService housekeeping;
    private KeyUsageAudit keyUsage;
    private RefusalAudit refusals;
    private AuditCheckpointer checkpointer;
    private WebServer operatorServer;
    private HandshakeSigners handshakeSigners;

    private Appliance(ApplianceConfig config, Storage storage, TokenSupervisor token,
                      List<TokenSupervisor> tenantTokens, ApplianceKeys keys, Forwarder forwarder,
                      AxisServer axisServer, WebServer apiServer, WebServer opsServer,
                      ScheduledExecutorService housekeeping) {
        this.config = config;
        this.storage = storage;
        this.token = token;
        this.tenantTokens = tenantTokens;
        this.keys = keys;
        this.forwarder = forwarder;
        this.axisServer = axisServer;
        this.apiServer = apiServer;
        this.opsServer = opsServer;
        this.housekeeping = housekeeping;
    }

    /** Opens the store and the token and starts every listener and the forwarder. */
    public static Appliance start(ApplianceConfig config) {
        return start(config, Token::open, TokenSupervisor.DIRECT);
    }

    /**
     * As {@link #start(ApplianceConfig)}, with the token reached through the given opener and
     * boundary (tests inject token faults there).
     */
    public static Appliance start(ApplianceConfig config, TokenSupervisor.Opener opener,
                                  TokenSupervisor.Boundary boundary) {
        Clock clock = Clock.systemUTC();
        ApplianceMetrics metrics = new ApplianceMetrics();
        Storage storage = Storage.open(config.storagePath(), config.storageMapSizeBytes(),
                config.storageMaxMapSizeBytes(), metrics::storageCommitted);
        // New documents stop at the high-water mark, so that deliveries always have room to drain the store.
        storage.limitIntake(config.intakeWatermark().highWaterPercent(), config.intakeWatermark().lowWaterPercent());
        TokenSupervisor token = null;
        List<TokenSupervisor> tenantTokens = new ArrayList<>();
        // Every TLS handshake's HSM signature, on every listener, is made by this bounded pool.
        HandshakeSigners handshakeSigners = new HandshakeSigners(config.hsmHandshakeSigners(),
                HandshakeSigners.DEFAULT_WAIT);
        try {
            token = new TokenSupervisor(config.token(), opener, boundary);
            TokenSupervisor mainToken = token;
            Map<String, TokenSupervisor> tokenOfTenant = new LinkedHashMap<>();
            for (ApplianceConfig.TenantToken tenantToken : config.tenantTokens()) {
                TokenSupervisor opened = new TokenSupervisor(tenantToken.token(), opener, boundary);
                tenantTokens.add(opened);
                tenantToken.tenants().forEach(organ -> tokenOfTenant.put(organ, opened));
            }
            ApplianceRegistry registry = new ApplianceRegistry(storage.registry());
            KeyAliasMigration.migrate(registry, organ -> tokenOfTenant.getOrDefault(organ, mainToken).current(),
                    storage.audit(), "appliance " + config.name(), clock);
            KeyUsageAudit keyUsage = new KeyUsageAudit(storage.audit(), clock);
            ApplianceKeys keys = new ApplianceKeys(token, tokenOfTenant, registry, metrics, config.hsmMaxBatch(),
                    keyUsage::signed);
            TokenKey tlsKey = keys.tlsKey();
            ApplianceConfig.CrlFetch crlFetch = config.crlFetch();
            CrlFetcher crlFetcher = new CrlFetcher(crlFetch.enabled(), registry, keys::certificates,
                    fetch -> Thread.ofVirtual().name("crl-fetch").start(fetch), clock);
            AnchorTrustManager anchors = new AnchorTrustManager(registry::trustAnchors, registry::revocationLists,
                    crlFetcher::learn);
            StatusHistory statuses = new StatusHistory(storage.registry());
            storage.inbox().describe(EnvelopeReceiver::describe); // once, for messages an older store kept
            AtomicReference<TokenKey> presentedTls = new AtomicReference<>(tlsKey);
            ObservedClientTrust apiClientTrust = new ObservedClientTrust(anchors,
                    outcome -> metrics.tlsHandshake("api", outcome));

            metrics.registerGauges(
                    () -> Map.of("outbox", storage.outbox().depth(), "inbox", storage.inbox().depth()),
                    storage::mapUsage, keys::certificates, keys::tokensUp, clock);
            metrics.registerIntakeGauges(storage::intake);

            metrics.registerCrlGauge(registry::crls, clock);

            RefusalAudit refusals = new RefusalAudit(storage.audit(), metrics, clock);
            IsolationAudit isolation = new IsolationAudit(refusals, metrics);
            Forwarder forwarder = new Forwarder(storage.outbox(), registry, keys, metrics, clock,
                    config.forwarding(), isolation);

            // The axis admits only the peer appliances the routing directory pins, in the handshake.
            DirectoryPins pins = new DirectoryPins(registry, () -> presentedTls.get().certificate());
            AnchorTrustManager axisTrust = new AnchorTrustManager(registry::trustAnchors, registry::revocationLists,
                    chain -> {
                        pins.check(chain);
                        crlFetcher.learn(chain);
                    });
            AxisServer axisServer = AxisServer.start(
                    AxisServerSettings.of(config.axis().host(), config.axis().port()).withLimits(config.axis().limits()),
                    tlsKey, axisTrust,
                    new EnvelopeReceiver(registry, keys, storage.inbox(), metrics, clock, statuses, storage.outbox(),
                            isolation),
                    outcome -> metrics.tlsHandshake("axis", switch (outcome) {
                        case TlsHandshakeListener.Succeeded s -> "success";
                        case TlsHandshakeListener.Failed f -> "failure";
                        case TlsHandshakeListener.Refused r -> r.outcome();
                    }), handshakeSigners);

            LocalApi api = new LocalApi(registry, keys, storage.outbox(), storage.inbox(), metrics, clock,
                    forwarder::wakeUp, config.inboxVisibilityTimeout(), statuses, isolation,
                    new SubmissionRate(System::nanoTime), config.acceptSha1Signatures());
            HelidonAdmission apiAdmission = new HelidonAdmission(config.api().limits(),
                    outcome -> metrics.tlsHandshake("api", outcome));
            HttpRouting.Builder apiRouting = HttpRouting.builder().addFilter(apiAdmission.bodyRate());
            new SdkApi(api, registry, storage.outbox(), storage.inbox(), statuses,
                    // Through the supervisor: the secrets' HSM key belongs to whichever session is current.
                    organ -> mainToken.use(t -> registry.sdkSecrets(t).secret(organ)), clock, isolation)
                    .routing(apiRouting);
            api.routing(apiRouting);
            WebServer apiServer = apiAdmission.configure(WebServer.builder())
                    .host(config.api().host())
                    .port(config.api().port())
                    .shutdownHook(false)
                    .maxPayloadSize(MAX_MESSAGE_BYTES)
                    .directHandlers(d -> {
                        // Refusals before routing (e.g. Content-Length over the limit) are problem+json too.
                        TransportProblems problems = new TransportProblems(MAX_MESSAGE_BYTES);
                        d.addHandler(DirectHandler.EventType.BAD_REQUEST, problems)
                                .addHandler(DirectHandler.EventType.PAYLOAD_TOO_LARGE, problems);
                    })
                    .tls(HelidonTls.of(presentedTls::get, apiClientTrust,
                            handshakeSigners.reporting(() -> metrics.tlsHandshake("api", "signer-busy"))))
                    .routing(apiRouting)
                    .build()
                    .start();

            Map<String, BooleanSupplier> readiness = new LinkedHashMap<>();
            readiness.put("hsm", keys::tokenUp);
            readiness.put("storage", storage::isHealthy);
            HttpRouting.Builder opsRouting = HttpRouting.builder();
            new Operations(metrics, readiness, () -> {
                List<String> warnings = new ArrayList<>(certificateWarnings(keys, clock));
                intakeWarning(storage).ifPresent(warnings::add);
                return warnings;
            }).routing(opsRouting);
            WebServer opsServer = WebServer.builder()
                    .host(config.ops().host())
                    .port(config.ops().port())
                    .shutdownHook(false)
                    .routing(opsRouting)
                    .build()
                    .start();

            // The operator API: its own mutual-TLS listener, only when the configuration names one.
            WebServer operatorServer = ApplianceConfig.operatorListener(config.file()).map(listener -> {
                HelidonAdmission operatorAdmission = new HelidonAdmission(listener.limits(),
                        outcome -> metrics.tlsHandshake("operator", outcome));
                HttpRouting.Builder operatorRouting = HttpRouting.builder().addFilter(operatorAdmission.bodyRate());
                new OperatorApi(registry, storage.outbox(), keys, storage.audit(), clock, refusals)
                        .routing(operatorRouting);
                return operatorAdmission.configure(WebServer.builder())
                        .host(listener.host())
                        .port(listener.port())
                        .shutdownHook(false)
                        .tls(HelidonTls.of(presentedTls::get, new ObservedClientTrust(anchors,
                                outcome -> metrics.tlsHandshake("operator", outcome)),
                                handshakeSigners.reporting(() -> metrics.tlsHandshake("operator", "signer-busy"))))
                        .routing(operatorRouting)
                        .build()
                        .start();
            }).orElse(null);

            forwarder.start();
            ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().name("housekeeping").daemon().factory());
            // Certificates the operator imports while the service runs take effect at the next run.
            long reloadMillis = config.keyReloadInterval().toMillis();
            housekeeping.scheduleWithFixedDelay(new TlsIdentityWatch(keys, tlsKey, renewed -> {
                presentedTls.set(renewed);
                axisServer.reloadTls(renewed, axisTrust);
            }), reloadMillis, reloadMillis, TimeUnit.MILLISECONDS);
            housekeeping.scheduleWithFixedDelay(keyUsage::flush, 1, 1, TimeUnit.SECONDS);
            housekeeping.scheduleWithFixedDelay(refusals::flushIfDue, 1, 1, TimeUnit.SECONDS);
            // On this platform thread: the checkpoint's signature blocks in PKCS#11.
            AuditCheckpointer checkpointer = new AuditCheckpointer(storage.audit(), storage.auditCheckpoints(),
                    keys::signAsAppliance, clock);
            housekeeping.scheduleWithFixedDelay(checkpointer::checkpointIfDue, 1, 1, TimeUnit.SECONDS);
            RepeatedLog storageLog = new RepeatedLog(LOG, "storage", metrics, clock, RepeatedLog.MINUTE);
            if (crlFetch.enabled()) {
                housekeeping.scheduleWithFixedDelay(crlFetcher, 0, crlFetch.interval().toMinutes(), TimeUnit.MINUTES);
            }
            housekeeping.scheduleWithFixedDelay(() -> adoptStorageSize(config, storage, storageLog),
                    STORAGE_SIZE_CHECK.toSeconds(), STORAGE_SIZE_CHECK.toSeconds(), TimeUnit.SECONDS);
            housekeeping.scheduleWithFixedDelay(keys::keepAlive, KEEP_ALIVE.toMillis(), KEEP_ALIVE.toMillis(),
                    TimeUnit.MILLISECONDS);
            Appliance appliance = new Appliance(config, storage, token, tenantTokens, keys, forwarder, axisServer,
                    apiServer, opsServer,
                    housekeeping);
            appliance.keyUsage = keyUsage;
            appliance.refusals = refusals;
            appliance.checkpointer = checkpointer;
            appliance.operatorServer = operatorServer;
            appliance.handshakeSigners = handshakeSigners;
            LOG.log(System.Logger.Level.INFO, "appliance '" + config.name() + "' started: local API "
                    + appliance.apiUri() + ", axis " + appliance.axisUri() + ", operations " + appliance.opsUri());
            return appliance;
        } catch (RuntimeException e) {
            handshakeSigners.close();
            tenantTokens.forEach(TokenSupervisor::close);
            if (token != null) {
                token.close();
            }
            storage.close();
            throw e;
        }
    }

    /** A readiness warning for each certificate that has expired or expires within 30 days. */
    private static java.util.List<String> certificateWarnings(ApplianceKeys keys, Clock clock) {
        java.time.Instant now = clock.instant();
        return keys.certificates().entrySet().stream()
                .map(e -> vn.lienthong.provisioning.cert.CertificateExpiry.of(e.getKey(), e.getValue()).warning(now))
                .filter(java.util.Objects::nonNull)
                .toList();
    }

    /**
     * A readiness warning while the store refuses new documents: the appliance is still ready, since
     * deliveries, receipts and acknowledgements go on and drain it.
     */
    private static java.util.Optional<String> intakeWarning(Storage storage) {
        IntakeState intake = storage.intake();
        if (intake.open()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("the store is " + Math.round(intake.occupiedRatio() * 100)
                + "% full, over storage.intake-high-water-percent (" + intake.highWaterPercent()
                + "%): new documents are refused with 507 until it is below storage.intake-low-water-percent ("
                + intake.lowWaterPercent() + "%); deliveries go on. Raise storage.max-map-size-mib to take them now");
    }

    /** Grows the store to the sizes now in the configuration file (an operator raised them). */
    private static void adoptStorageSize(ApplianceConfig started, Storage storage, RepeatedLog log) {
        try {
            ApplianceConfig now = ApplianceConfig.load(started.file());
            storage.resize(now.storageMapSizeBytes(), now.storageMaxMapSizeBytes());
        } catch (RuntimeException e) {
            log.log(System.Logger.Level.WARNING, "storage sizes", "storage sizes not read again from "
                    + started.file() + ": " + e.getMessage());
        }
    }

    /** The store this appliance runs on (tests look into it; LMDB refuses a second open in one process). */
    public Storage storage() {
        return storage;
    }

    /**
     * Writes the refusals counted so far to the audit log now, rather than at the minute's end (the
     * service also does so when it stops); for tests that look for a refusal's record.
     */
    public void flushRefusals() {
        refusals.flush();
    }

    public ApplianceConfig config() {
        return config;
    }

    public URI apiUri() {
        return URI.create("https://" + config.api().host() + ":" + apiServer.port());
    }

    public URI axisUri() {
        return URI.create("https://" + config.axis().host() + ":" + axisServer.port());
    }

    /** The operator API's address, if the configuration enables it ({@code listeners.operator}). */
    public java.util.Optional<URI> operatorUri() {
        return java.util.Optional.ofNullable(operatorServer)
                .map(server -> URI.create("https://" + ApplianceConfig.operatorListener(config.file()).orElseThrow().host()
                        + ":" + server.port()));
    }

    public URI opsUri() {
        return URI.create("http://" + config.ops().host() + ":" + opsServer.port());
    }

    @Override
    public void close() {
        housekeeping.shutdownNow();
        apiServer.stop();
        axisServer.close();
        forwarder.close();
        opsServer.stop();
        if (operatorServer != null) {
            operatorServer.stop();
        }
        refusals.flush();
        handshakeSigners.close();
        keyUsage.flush();
        try {
            // The last records are signed too, so that a log cut short while the service is down shows.
            checkpointer.checkpoint();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "the audit log's head was not checkpointed at shutdown: " + e.getMessage());
        }
        keys.close();
        tenantTokens.forEach(TokenSupervisor::close);
        token.close();
        storage.close();
    }
}
