package vn.lienthong.appliance.forward;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import javax.net.ssl.SSLPeerUnverifiedException;
import vn.lienthong.appliance.axis.EnvelopeReceiver;
import vn.lienthong.appliance.config.ApplianceConfig;
import vn.lienthong.appliance.envelope.Envelope;
import vn.lienthong.appliance.envelope.EnvelopeCodec;
import vn.lienthong.appliance.envelope.EnvelopeRejectedException;
import vn.lienthong.appliance.envelope.ReceiptVerifier;
import vn.lienthong.appliance.envelope.SignedReceipt;
import vn.lienthong.appliance.keys.ApplianceKeys;
import vn.lienthong.appliance.ops.ApplianceMetrics;
import vn.lienthong.appliance.ops.RepeatedLog;
import vn.lienthong.appliance.Appliance;
import vn.lienthong.appliance.tls.JsseContexts;
import vn.lienthong.appliance.tenancy.IsolationAudit;
import vn.lienthong.appliance.tls.PinnedServerTrustManager;
import vn.lienthong.hsm.trust.CertificateRejectedException;
import vn.lienthong.hsm.trust.CertificateRevokedException;
import vn.lienthong.hsm.trust.ChainValidator;
import vn.lienthong.hsm.trust.CrlOutOfDateException;
import vn.lienthong.hsm.token.TokenKey;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.provisioning.registry.DirectoryEntry;
import vn.lienthong.storage.queue.DeliveryLease;
import vn.lienthong.storage.queue.Outbox;

/**
 * Delivers the outbox: takes a lease on the delivery due first, sends the envelope to the
 * recipient's appliance over mutual TLS (pinned by the routing directory), and records the signed
 * receipt once it verifies; anything else is retried with exponential backoff and jitter, for as
 * long as it takes. A delivery whose lease runs out (a crash mid-send) becomes due again by itself.
 */
public final class Forwarder implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Forwarder.class.getName());

    private final Outbox outbox;
    private final ApplianceRegistry registry;
    private final ApplianceKeys keys;
    private final ApplianceMetrics metrics;
    private final Clock clock;
    private final ApplianceConfig.Forwarding settings;
    private final Backoff backoff;
    private final DeadLetterPolicy deadLetterPolicy;
    private final PeerProbes peers = new PeerProbes();
    private final RandomGenerator random = RandomGenerator.getDefault();
    private final Semaphore wakeUp = new Semaphore(0);
    private final Map<ClientKey, HttpClient> clients = new ConcurrentHashMap<>();
    /** The listener name under which refusals of peers and receipts are counted and audited. */
    private static final String LISTENER = "forwarder";
    private final ReceiptVerifier receiptVerifier = new ReceiptVerifier();
    private final IsolationAudit isolation;
    private final List<Thread> workers;
    /** A store that refuses every write, or a peer down for hours, is logged once a minute, not per attempt. */
    private final RepeatedLog repeated;
    private volatile boolean running = true;

    private record ClientKey(String endpointPin, String tlsCertificate) {
    }

    /** @param isolation audits receipts signed, and peers presenting TLS certificates, that are revoked */
    public Forwarder(Outbox outbox, ApplianceRegistry registry, ApplianceKeys keys, ApplianceMetrics metrics,
                     Clock clock, ApplianceConfig.Forwarding settings, IsolationAudit isolation) {
        this.isolation = isolation;
        this.outbox = outbox;
        this.registry = registry;
        this.keys = keys;
        this.metrics = metrics;
        this.clock = clock;
        this.settings = settings;
        this.backoff = new Backoff(settings.initialBackoff(), settings.maxBackoff());
        this.deadLetterPolicy = new DeadLetterPolicy(settings.maxAttempts(), settings.maxAge());
        this.repeated = new RepeatedLog(LOG, "forwarder", metrics, clock, RepeatedLog.MINUTE);
        this.workers = java.util.stream.IntStream.range(0, settings.workers())
                .mapToObj(i -> Thread.ofVirtual().name("forwarder-" + i).unstarted(this::run))
                .toList();
    }

    public void start() {
        workers.forEach(Thread::start);
    }

    /** Something was added to the outbox: look at once rather than at the next poll. */
    public void wakeUp() {
        wakeUp.release(workers.size());
    }

    private void run() {
        while (running) {
            try {
                Optional<DeliveryLease> lease = outbox.leaseNextDue(clock.instant(), leaseDuration());
                if (lease.isPresent()) {
                    deliver(lease.get());
                } else {
                    idle();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // The store refused (e.g. full): wait a little rather than spin; nothing is lost.
                repeated.log(System.Logger.Level.WARNING, "store " + e.getClass().getName(), "forwarder: " + e.getMessage());
                sleepQuietly(Duration.ofSeconds(1));
            }
        }
    }

    /** Long enough for one request and its receipt; after it, a lost worker's delivery is due again. */
    private Duration leaseDuration() {
        return settings.requestTimeout().multipliedBy(2);
    }

    private void idle() throws InterruptedException {
        Duration wait = outbox.nextDueAt()
                .map(due -> Duration.between(clock.instant(), due))
                .filter(d -> !d.isNegative())
                .map(d -> d.compareTo(Duration.ofSeconds(1)) > 0 ? Duration.ofSeconds(1) : d)
                .orElse(Duration.ofSeconds(1));
        wakeUp.tryAcquire(Math.max(wait.toMillis(), 1), TimeUnit.MILLISECONDS);
    }

    private void deliver(DeliveryLease lease) throws InterruptedException {
        Outcome outcome = attempt(lease);
        metrics.deliveryAttempt(outcome.label());
        switch (outcome) {
            case Outcome.Delivered delivered -> {
                outbox.delivered(lease, delivered.receipt(), clock.instant());
                metrics.delivered(lease.tenant());
                LOG.log(System.Logger.Level.INFO, "delivered " + lease.messageId() + " from " + lease.tenant()
                        + " to " + lease.recipient() + " (attempt " + lease.attempt() + ")");
            }
            case Outcome.RetryLater retry -> {
                Instant now = clock.instant();
                Optional<String> givenUp = deadLetterPolicy.giveUp(lease, now);
                if (givenUp.isPresent()) {
                    String reason = givenUp.get() + "; last failure: " + retry.reason();
                    outbox.deadLetter(lease, reason, now);
                    metrics.deadLettered();
                    repeated.log(System.Logger.Level.WARNING, "dead-letter " + lease.recipient(), "delivery of "
                            + lease.messageId() + " from " + lease.tenant()
                            + " to " + lease.recipient() + " dead-lettered: " + reason
                            + "; 'lienthong provision queue requeue' puts it back");
                    return;
                }
                Instant next = now.plus(delay(lease.attempt(), retry.retryAfter()));
                outbox.retryLater(lease, next, retry.reason());
                repeated.log(System.Logger.Level.INFO, "retry " + lease.recipient() + " " + retry.label(),
                        "delivery of " + lease.messageId() + " to " + lease.recipient() + " failed (attempt "
                                + lease.attempt() + "): " + retry.reason() + "; next attempt at " + next);
            }
        }
    }

    /** What one attempt came to. */
    private sealed interface Outcome {
        String label();

        record Delivered(byte[] receipt) implements Outcome {
            public String label() {
                return "delivered";
            }
        }

        /** {@code retryAfter}: how long the peer asked to be left alone (its Retry-After), zero if it did not say. */
        record RetryLater(String label, String reason, Duration retryAfter) implements Outcome {
            RetryLater(String label, String reason) {
                this(label, reason, Duration.ZERO);
            }
        }
    }

    private Outcome attempt(DeliveryLease lease) throws InterruptedException {
        Optional<DirectoryEntry> route = registry.directoryEntry(lease.recipient());
        if (route.isEmpty()) {
            return new Outcome.RetryLater("no-route", lease.recipient() + " is not in the routing directory");
        }
        DirectoryEntry entry = route.get();
        // While a peer is down only one worker at a time tries it: the others go on with other peers.
        Optional<PeerProbes.Attempt> slot = peers.begin(entry.axisEndpoint());
        if (slot.isEmpty()) {
            return new Outcome.RetryLater("peer-down", entry.axisEndpoint()
                    + " failed its last attempt and is being tried again by another worker");
        }
        try (PeerProbes.Attempt attempt = slot.get()) {
            Outcome outcome = send(lease, entry);
            // Only a peer that cannot be reached is "down"; one that answers no to one message is not.
            attempt.result(!(outcome instanceof Outcome.RetryLater r && r.label().equals("unreachable")));
            return outcome;
        }
    }

    private Outcome send(DeliveryLease lease, DirectoryEntry entry) throws InterruptedException {
        Envelope envelope = EnvelopeCodec.decode(lease.envelope(), Appliance.MAX_MESSAGE_BYTES);
        HttpResponse<byte[]> response;
        PeerAnswer answer = new PeerAnswer();
        try {
            HttpRequest request = HttpRequest.newBuilder(entry.axisEndpoint().resolve(EnvelopeReceiver.PATH))
                    .timeout(settings.requestTimeout())
                    .header("Content-Type", EnvelopeCodec.MEDIA_TYPE)
                    .header(EnvelopeReceiver.RECIPIENT_HEADER, lease.recipient())
                    .POST(HttpRequest.BodyPublishers.ofByteArray(lease.envelope()))
                    .build();
            response = client(entry).send(request, answer.handler());
        } catch (IOException e) {
            if (answer.status() != 0) {
                // It answered, then sent more than a receipt can be (or broke off): refused, not down.
                return new Outcome.RetryLater("refused", entry.axisEndpoint() + " answered " + answer.status()
                        + " with more than " + PeerAnswer.MAX_BYTES / 1024 + " KiB, or broke off: "
                        + PeerAnswer.oneLine(String.valueOf(e.getMessage())));
            }
            return new Outcome.RetryLater("unreachable", "cannot reach " + entry.axisEndpoint() + ": "
                    + PeerAnswer.oneLine(e.toString()));
        }
        Optional<Outcome> revokedPeer = revokedPeer(response, entry, lease);
        if (revokedPeer.isPresent()) {
            return revokedPeer.get();
        }
        if (response.statusCode() != 200) {
            return new Outcome.RetryLater("refused", entry.axisEndpoint() + " answered " + response.statusCode()
                    + ": " + PeerAnswer.oneLine(response.body()), retryAfter(response, clock.instant()));
        }
        try {
            SignedReceipt receipt = SignedReceipt.decode(response.body());
            receiptVerifier.verify(receipt, envelope, lease.recipient(), registry.trustAnchors(),
                    registry.revocationLists(), clock.instant());
            return new Outcome.Delivered(response.body());
        } catch (EnvelopeRejectedException e) {
            if (e.reason() == EnvelopeRejectedException.Reason.CERTIFICATE_REVOKED
                    || e.reason() == EnvelopeRejectedException.Reason.CRL_OUT_OF_DATE) {
                String slug = e.reason().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
                isolation.refused(LISTENER, lease.tenant(), "peer:" + entry.axisEndpoint(), slug,
                        "receipt of message " + envelope.header().messageId() + " from " + lease.recipient());
            }
            return new Outcome.RetryLater("bad-receipt", "the receipt from " + lease.recipient()
                    + " does not verify: " + PeerAnswer.oneLine(String.valueOf(e.getMessage())));
        }
    }

    /**
     * The peer's TLS chain checked again at each answer: the handshake validated it, but a kept-alive
     * connection outlives a CRL imported since. A revoked peer's connection is dropped with its client.
     */
    private Optional<Outcome> revokedPeer(HttpResponse<byte[]> response, DirectoryEntry entry, DeliveryLease lease) {
        List<X509Certificate> chain;
        try {
            chain = response.sslSession().map(session -> {
                try {
                    return Arrays.stream(session.getPeerCertificates())
                            .map(X509Certificate.class::cast).toList();
                } catch (SSLPeerUnverifiedException e) {
                    return List.<X509Certificate>of();
                }
            }).orElse(List.of());
            if (!chain.isEmpty()) {
                ChainValidator.validate(chain, registry.trustAnchors(), registry.revocationLists(), clock.instant());
            }
            return Optional.empty();
        } catch (CertificateRejectedException e) {
            clients.entrySet().removeIf(client -> {
                boolean peers = client.getKey().endpointPin().startsWith(entry.axisEndpoint() + "#");
                if (peers) {
                    client.getValue().close();
                }
                return peers;
            });
            String slug = e instanceof CertificateRevokedException ? "certificate-revoked"
                    : e instanceof CrlOutOfDateException ? "crl-out-of-date" : "peer-not-trusted";
            isolation.refused(LISTENER, lease.tenant(), "peer:" + entry.axisEndpoint(), slug,
                    "delivery of message to " + lease.recipient());
            return Optional.of(new Outcome.RetryLater(slug, entry.axisEndpoint() + "'s TLS certificate is refused: "
                    + e.getMessage()));
        }
    }

    /**
     * The next attempt's delay: the backoff's, or longer where the peer asked for longer with
     * Retry-After (a recipient over its inbox quota, a suspended tenant), up to the longest backoff.
     */
    private Duration delay(int attempt, Duration retryAfter) {
        Duration delay = backoff.delay(attempt, random);
        Duration asked = retryAfter.compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : retryAfter;
        return asked.compareTo(delay) > 0 ? asked : delay;
    }

    /** A Retry-After header (RFC 9110 section 10.2.3: seconds or an HTTP date) as a duration; zero if absent or unreadable. */
    private static Duration retryAfter(HttpResponse<?> response, Instant now) {
        String value = response.headers().firstValue("Retry-After").orElse("").strip();
        try {
            if (!value.isEmpty() && value.chars().allMatch(Character::isDigit)) {
                return Duration.ofSeconds(Long.parseLong(value));
            }
            if (!value.isEmpty()) {
                Instant at = java.time.ZonedDateTime.parse(value, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME)
                        .toInstant();
                return at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
            }
        } catch (NumberFormatException | java.time.format.DateTimeParseException e) {
            // unreadable: the backoff alone decides
        }
        return Duration.ZERO;
    }

    /**
     * One client per (peer pin, own TLS certificate and token session): the pin is part of the trust
     * decision, and a renewed TLS certificate, or the key of a reopened token, must be presented from
     * then on.
     */
    private HttpClient client(DirectoryEntry entry) {
        TokenKey tlsKey = keys.tlsKey();
        X509Certificate own = tlsKey.certificate();
        ClientKey key = new ClientKey(entry.axisEndpoint() + "#" + entry.tlsCertificateSha256(),
                // A reopened token is a new provider: the old one's key handle died with its session.
                own.getSerialNumber().toString(16) + "@" + System.identityHashCode(tlsKey.provider()));
        return clients.computeIfAbsent(key, k -> HttpClient.newBuilder()
                .sslContext(JsseContexts.client(tlsKey, new PinnedServerTrustManager(
                        registry::trustAnchors, registry::revocationLists, entry.tlsCertificateSha256())))
                .sslParameters(JsseContexts.clientParameters())
                .connectTimeout(settings.requestTimeout())
                .version(HttpClient.Version.HTTP_2)
                .build());
    }

    private void sleepQuietly(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        running = false;
        workers.forEach(Thread::interrupt);
        for (Thread worker : workers) {
            try {
                worker.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        clients.values().forEach(HttpClient::close);
    }
}
