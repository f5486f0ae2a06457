package vn.lienthong.appliance.ops;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import vn.lienthong.storage.MapUsage;
import vn.lienthong.storage.queue.QueueDepth;

/**
 * The appliance's Prometheus metrics (client_java 1.x), every name prefixed {@code lienthong_}, in
 * a registry of its own so that two appliances in one JVM (tests) do not mix their counts.
 */
public final class ApplianceMetrics {

    /** Tenant label value when the peer could not be tied to a tenant. */
    public static final String UNKNOWN_TENANT = "unknown";

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    /** Scrapes begun: values read once per scrape are keyed on it. */
    private final AtomicLong scrapes = new AtomicLong();

    private final Counter accepted = counter("lienthong_documents_accepted_total",
            "Documents a tenant's document system submitted and the appliance signed and stored.", "tenant");
    private final Counter delivered = counter("lienthong_documents_delivered_total",
            "Deliveries to a recipient that returned a valid signed receipt, by sending tenant.", "tenant");
    private final Counter received = counter("lienthong_documents_received_total",
            "Envelopes received from the axis, verified and stored, by recipient tenant.", "tenant");
    private final Counter rejected = counter("lienthong_documents_rejected_total",
            "Submissions and envelopes refused, by tenant (or 'unknown'), listener and reason.",
            "tenant", "listener", "reason");
    private final Counter isolationRefusals = counter("lienthong_isolation_refusals_total",
            "Attempts refused to reach what is not the caller's own (another tenant's messages, sender, key or"
                    + " organ), by tenant (the one acting on the local API, the one addressed on the axis),"
                    + " listener and reason; each is also in the audit log.", "tenant", "listener", "reason");
    private final Counter refusals = counter("lienthong_refused_total",
            "Requests refused because of who sent them or what they tried to reach (unknown certificate, recipient"
                    + " or operator, another tenant's message, a bad SDK signature), by listener and reason; the"
                    + " audit log holds them as one 'refused' record per caller and reason per minute.",
            "listener", "reason");
    private final Counter quotaRefusals = counter("lienthong_quota_refusals_total",
            "Submissions refused because the tenant was over its quota, by tenant and quota"
                    + " (submission-rate, queued-documents, queued-bytes).", "tenant", "quota");
    private final Counter inboxQuotaRefusals = counter("lienthong_inbox_quota_refusals_total",
            "Envelopes a peer appliance offered a tenant over its inbox quota (answered 507 with Retry-After:"
                    + " the sender keeps them and retries), by tenant.", "tenant");
    private final Counter deliveryAttempts = counter("lienthong_delivery_attempts_total",
            "Delivery attempts by the forwarder, by outcome.", "outcome");
    private final Counter deadLetters = Counter.builder().name("lienthong_dead_letters_total")
            .help("Deliveries the forwarder gave up on (dead-lettered) after too many attempts or too long.")
            .register(registry);
    private final Counter tlsHandshakes = counter("lienthong_tls_handshakes_total",
            "TLS handshakes by listener and outcome.", "listener", "outcome");
    private final Counter hsmErrors = counter("lienthong_hsm_errors_total",
            "HSM operations that failed, by kind.", "kind");
    private final Histogram hsmSign = Histogram.builder()
            .name("lienthong_hsm_sign_seconds")
            .help("Time of one signature in the HSM, by key alias.")
            .labelNames("key")
            .classicOnly()
            .classicUpperBounds(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1)
            .register(registry);
    private final Counter hsmKeySignatures = counter("lienthong_hsm_key_signatures_total",
            "Signatures made in the HSM, by key alias (a per-key usage counter; keep-alive probes included).", "key");
    private final Histogram hsmBatch = Histogram.builder()
            .name("lienthong_hsm_batch_size")
            .help("Envelopes covered by one HSM signature (1: signed alone; more: a batch under one Merkle root).")
            .classicOnly()
            .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
            .register(registry);
    private final Histogram verify = Histogram.builder()
            .name("lienthong_hsm_verify_seconds")
            .help("Time to verify an incoming envelope's signature and certificate chain.")
            .classicOnly()
            .classicUpperBounds(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1)
            .register(registry);
    private final Histogram storageCommit = Histogram.builder()
            .name("lienthong_storage_commit_seconds")
            .help("Time of one LMDB write transaction, commit and fsync included.")
            .classicOnly()
            .classicUpperBounds(0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1)
            .register(registry);
    private final Histogram storageBatch = Histogram.builder()
            .name("lienthong_storage_commit_batch_size")
            .help("Write requests committed together in one transaction (group commit).")
            .classicOnly()
            .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
            .register(registry);

    private final Counter logSuppressed = counter("lienthong_log_suppressed_total",
            "Log lines held back because the same failure was logged within the last minute, by the part of"
                    + " the appliance that logs (forwarder, storage, api, axis).", "source");

    public ApplianceMetrics() {
        JvmMetrics.builder().register(registry);
    }

    private Counter counter(String name, String help, String... labels) {
        return Counter.builder().name(name).help(help).labelNames(labels).register(registry);
    }

    public void accepted(String tenant) {
        accepted.labelValues(tenant).inc();
    }

    public void delivered(String tenant) {
        delivered.labelValues(tenant).inc();
    }

    public void received(String tenant) {
        received.labelValues(tenant).inc();
    }

    public void rejected(String tenant, String listener, String reason) {
        rejected.labelValues(tenant, listener, reason).inc();
    }

    public void isolationRefused(String tenant, String listener, String reason) {
        isolationRefusals.labelValues(tenant, listener, reason).inc();
    }

    public void refused(String listener, String reason) {
        refusals.labelValues(listener, reason).inc();
    }

    public void quotaRefused(String tenant, String quota) {
        quotaRefusals.labelValues(tenant, quota).inc();
    }

    public void inboxQuotaRefused(String tenant) {
        inboxQuotaRefusals.labelValues(tenant).inc();
    }

    public void deliveryAttempt(String outcome) {
        deliveryAttempts.labelValues(outcome).inc();
    }

    public void deadLettered() {
        deadLetters.inc();
    }

    public void tlsHandshake(String listener, String outcome) {
        tlsHandshakes.labelValues(listener, outcome).inc();
    }

    public void hsmError(String kind) {
        hsmErrors.labelValues(kind).inc();
    }

    public void hsmSignSeconds(String keyAlias, double seconds) {
        hsmSign.labelValues(keyAlias).observe(seconds);
        hsmKeySignatures.labelValues(keyAlias).inc();
    }

    /** Counts a signature with the key that is not timed (the keep-alive probe). */
    public void hsmKeyUsed(String keyAlias) {
        hsmKeySignatures.labelValues(keyAlias).inc();
    }

    public void hsmBatchSize(int envelopes) {
        hsmBatch.observe(envelopes);
    }

    public void verifySeconds(double seconds) {
        verify.observe(seconds);
    }

    /** Told by the store of each commit: a {@link vn.lienthong.storage.CommitListener}. */
    public void storageCommitted(int writes, java.time.Duration took) {
        storageCommit.observe(took.toNanos() / 1e9);
        storageBatch.observe(writes);
    }

    /** Counts a log line that {@link RepeatedLog} held back. */
    public void logSuppressed(String source) {
        logSuppressed.labelValues(source).inc();
    }

    /** Gauges of the store's intake watermark, read when scraped: whether it takes new documents, and how full it counts. */
    public void registerIntakeGauges(Supplier<vn.lienthong.storage.IntakeState> intake) {
        Supplier<vn.lienthong.storage.IntakeState> ofThisScrape = oncePerScrape(intake);
        GaugeWithCallback.builder().name("lienthong_storage_intake_open")
                .help("1 while the store takes new documents, 0 while it refuses them with 507 (above"
                        + " storage.intake-high-water-percent until below storage.intake-low-water-percent).")
                .callback(cb -> cb.call(ofThisScrape.get().open() ? 1 : 0))
                .register(registry);
        GaugeWithCallback.builder().name("lienthong_storage_intake_used_ratio")
                .help("The store's occupancy as the intake watermark counts it (pages in use plus room for each"
                        + " pending delivery's receipt), as a share of storage.max-map-size-mib (0 to 1).")
                .callback(cb -> cb.call(ofThisScrape.get().occupiedRatio()))
                .register(registry);
    }

    /**
     * Registers {@code lienthong_crl_next_update_seconds{issuer}}: seconds until each CRL held is due
     * to be renewed (negative once past, when that issuer's certificates are refused), for alerting.
     */
    public void registerCrlGauge(Supplier<List<vn.lienthong.hsm.trust.HeldCrl>> crls, Clock clock) {
        GaugeWithCallback.builder().name("lienthong_crl_next_update_seconds")
                .help("Seconds until the nextUpdate of each CRL held, by issuer (negative when past: that"
                        + " issuer's certificates are then refused until a fresh CRL is imported).")
                .labelNames("issuer")
                .callback(cb -> crls.get().stream().filter(held -> held.crl().getNextUpdate() != null)
                        .forEach(held -> cb.call((held.crl().getNextUpdate().getTime() - clock.millis()) / 1000.0,
                                held.issuerName())))
                .register(registry);
    }

    /** Gauges read when scraped: queue depths, map usage, certificate expiry, HSM and storage up. */
    public void registerGauges(Supplier<Map<String, QueueDepth>> queueDepths, Supplier<MapUsage> mapUsage,
                               Supplier<Map<String, X509Certificate>> certificates,
                               Supplier<Map<String, Boolean>> tokensUp, Clock clock) {
        // Two gauges show the same reading, and it scans each queue: read it once per scrape (it was a
        // fifth of a loaded sender's CPU with a backlog of thousands and a scrape a second).
        Supplier<Map<String, QueueDepth>> depthsOfThisScrape = oncePerScrape(queueDepths);
        GaugeWithCallback.builder().name("lienthong_queue_depth")
                .help("Messages waiting, by tenant and queue (outbox: deliveries queued or in flight;"
                        + " inbox: not yet acknowledged).")
                .labelNames("tenant", "queue")
                .callback(cb -> depthsOfThisScrape.get().forEach((queue, depth) ->
                        depth.byTenant().forEach((tenant, count) -> cb.call(count, tenant, queue))))
                .register(registry);
        GaugeWithCallback.builder().name("lienthong_queue_oldest_age_seconds")
                .help("Seconds the oldest message of the queue has waited (0 when the queue is empty).")
                .labelNames("queue")
                .callback(cb -> depthsOfThisScrape.get().forEach((queue, depth) -> cb.call(depth.oldestSince()
                        .map(since -> Math.max(0, clock.millis() - since.toEpochMilli()) / 1000.0).orElse(0.0), queue)))
                .register(registry);
        GaugeWithCallback.builder().name("lienthong_storage_map_used_ratio")
                .help("Share of the LMDB map in use (0 to 1); the store refuses writes near 1 unless it may grow.")
                .callback(cb -> {
                    MapUsage usage = mapUsage.get();
                    cb.call(usage.mapSizeBytes() == 0 ? 0 : (double) usage.usedBytes() / usage.mapSizeBytes());
                })
                .register(registry);
        GaugeWithCallback.builder().name("lienthong_storage_map_used_bytes")
                .help("Bytes of the LMDB map in use.")
                .callback(cb -> cb.call(mapUsage.get().usedBytes()))
                .register(registry);
        GaugeWithCallback.builder().name("lienthong_storage_map_size_bytes")
                .help("Size of the LMDB map: the store's capacity.")
                .callback(cb -> cb.call(mapUsage.get().mapSizeBytes()))
                .register(registry);
        GaugeWithCallback.builder().name("lienthong_certificate_expiry_seconds")
                .help("Seconds until each key's certificate expires (negative when expired), by tenant"
                        + " ('appliance' for the appliance's own) and usage (signing, tls).")
                .labelNames("tenant", "usage")
                .callback(cb -> certificates.get().forEach((alias, cert) -> {
                    var expiry = vn.lienthong.provisioning.cert.CertificateExpiry.of(alias, cert);
                    cb.call((cert.getNotAfter().getTime() - clock.millis()) / 1000.0, expiry.tenant(), expiry.usage());
                }))
                .register(registry);
        GaugeWithCallback.builder().name("lienthong_hsm_token_up")
                .help("1 when the HSM token answers, 0 when it does not, by token label.")
                .labelNames("token")
                .callback(cb -> tokensUp.get().forEach((label, up) -> cb.call(up ? 1 : 0, label)))
                .register(registry);
    }

    /** {@code source} read at most once per scrape: every caller in one scrape gets the same reading. */
    private <T> Supplier<T> oncePerScrape(Supplier<T> source) {
        return new Supplier<>() {
            private long readInScrape = -1;
            private T reading;

            @Override
            public synchronized T get() {
                long scrape = scrapes.get();
                if (scrape != readInScrape) {
                    reading = source.get();
                    readInScrape = scrape;
                }
                return reading;
            }
        };
    }

    /** The Prometheus text exposition format (version 0.0.4). */
    public String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    public byte[] scrape() {
        scrapes.incrementAndGet();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
