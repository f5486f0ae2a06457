package vn.lienthong.appliance.config;

import io.helidon.config.Config;
import io.helidon.config.ConfigException;
import io.helidon.config.ConfigSources;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import vn.lienthong.appliance.admission.ListenerLimits;
import vn.lienthong.hsm.batch.BatchSigner;
import vn.lienthong.hsm.token.PinSource;
import vn.lienthong.hsm.token.TokenConfig;

/**
 * The appliance's configuration file (YAML): its listeners, where its LMDB store lives and how
 * big it may grow, the HSM token that holds its keys, the forwarder's retry policy and whether
 * SHA-1 XML signatures are accepted (as weak) on incoming edXML. Relative
 * paths are resolved against the directory of the file. See README.md for the reference.
 */
public record ApplianceConfig(
        Path file,
        String name,
        Listener api,
        Listener axis,
        Listener ops,
        Path storagePath,
        long storageMapSizeBytes,
        TokenConfig token,
        Forwarding forwarding,
        int hsmMaxBatch,
        List<TenantToken> tenantTokens,
        Duration keyReloadInterval,
        long storageMaxMapSizeBytes,
        Duration inboxVisibilityTimeout,
        boolean acceptSha1Signatures,
        IntakeWatermark intakeWatermark,
        int hsmHandshakeSigners,
        CrlFetch crlFetch) {

    public ApplianceConfig {
        tenantTokens = List.copyOf(tenantTokens);
    }

    /**
     * A further token ({@code hsm.tokens}) holding the keys of the tenants listed; tenants not
     * listed in any keep their keys in the main token ({@code hsm}), as does the TLS identity.
     */
    public record TenantToken(TokenConfig token, List<String> tenants) {
        public TenantToken {
            tenants = List.copyOf(tenants);
        }
    }

    /** The token that holds the tenant's key: the one whose list names it, else the main token. */
    public TokenConfig tokenFor(String organId) {
        return tenantTokens.stream().filter(t -> t.tenants().contains(organId)).map(TenantToken::token)
                .findFirst().orElse(token);
    }

    /**
     * A TCP listener: host to bind and port (0 picks a free one, for tests), and what it admits
     * ({@code max-connections} and the other keys of {@link ListenerLimits}).
     */
    public record Listener(String host, int port, ListenerLimits limits) {
        /** A listener with the default limits. */
        public Listener(String host, int port) {
            this(host, port, ListenerLimits.DEFAULTS);
        }

        public InetSocketAddress address() {
            return new InetSocketAddress(host, port);
        }
    }

    /**
     * How the forwarder retries: exponential backoff from {@code initial} up to {@code max}, with
     * jitter; a delivery is dead-lettered after {@code maxAttempts} attempts or once it has waited
     * {@code maxAge} (zero: no such limit).
     */
    public record Forwarding(Duration initialBackoff, Duration maxBackoff, int workers, Duration requestTimeout,
                             int maxAttempts, Duration maxAge) {
    }

    /**
     * The shares of the store's largest size ({@code storage.max-map-size-mib}) at which new documents
     * are refused with 507 ({@code storage.intake-high-water-percent}) and taken again
     * ({@code storage.intake-low-water-percent}); the room above is kept for deliveries.
     */
    public record IntakeWatermark(int highWaterPercent, int lowWaterPercent) {
    }

    /** Reads and checks the file; an unreadable or wrong file is one plain sentence in {@link ConfigurationException}. */
    public static ApplianceConfig load(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(absolute)) {
            throw new ConfigurationException("the configuration file " + file + " does not exist");
        }
        Path base = absolute.getParent();
        try {
            Config config = Config.builder()
                    .disableEnvironmentVariablesSource()
                    .disableSystemPropertiesSource()
                    .addSource(ConfigSources.file(absolute))
                    .build();
            long mapSize = config.get("storage.map-size-mib").asLong().orElse(1024L) * 1024 * 1024;
            return new ApplianceConfig(
                    absolute,
                    config.get("appliance.name").asString().orElse("lienthong"),
                    listener(config.get("listeners.api"), 8443),
                    listener(config.get("listeners.axis"), 5500),
                    listener(config.get("listeners.ops"), 9090),
                    base.resolve(required(config, "storage.path")),
                    mapSize,
                    new TokenConfig(
                            // No default module: a silent SoftHSM2 on a server meant for a hardware HSM
                            // would keep keys in software files without anyone having chosen so.
                            base.resolve(required(config, "hsm.library")),
                            required(config, "hsm.token-label"),
                            pinSource(required(config, "hsm.pin"), base)),
                    new Forwarding(
                            Duration.ofMillis(config.get("forwarder.initial-backoff-millis").asLong().orElse(500L)),
                            Duration.ofMillis(config.get("forwarder.max-backoff-millis").asLong().orElse(300_000L)),
                            config.get("forwarder.workers").asInt().orElse(16),
                            Duration.ofMillis(config.get("forwarder.request-timeout-millis").asLong().orElse(30_000L)),
                            nonNegative(config.get("forwarder.max-attempts").asInt().orElse(0), "forwarder.max-attempts"),
                            Duration.ofMinutes(nonNegative(config.get("forwarder.max-age-minutes").asLong()
                                    .orElse(3L * 24 * 60), "forwarder.max-age-minutes"))),
                    maxBatch(config.get("hsm.max-batch").asInt().orElse(BatchSigner.DEFAULT_MAX_BATCH)),
                    tenantTokens(config.get("hsm.tokens"), base, required(config, "hsm.token-label")),
                    Duration.ofSeconds(config.get("hsm.reload-seconds").asLong().orElse(15L)),
                    Math.max(mapSize, config.get("storage.max-map-size-mib").asLong().orElse(0L) * 1024 * 1024),
                    Duration.ofSeconds(nonNegative(config.get("inbox.visibility-timeout-seconds").asLong()
                            .orElse(300L), "inbox.visibility-timeout-seconds")),
                    // SHA-1 XMLDSig from older document systems: refused unless the operator opts in.
                    config.get("edxml.accept-sha1-signatures").asBoolean().orElse(false),
                    intakeWatermark(config.get("storage.intake-high-water-percent").asInt().orElse(90),
                            config.get("storage.intake-low-water-percent").asInt().orElse(80)),
                    // HSM signatures of TLS handshakes: a bounded pool of platform threads.
                    atLeastOne(config.get("hsm.handshake-signers").asInt().orElse(4), "hsm.handshake-signers"),
                    crlFetch(config));
        } catch (ConfigException | IllegalArgumentException e) {
            throw new ConfigurationException("the configuration file " + file + " is not valid: " + e.getMessage());
        }
    }

    private static int atLeastOne(int value, String key) {
        if (value < 1) {
            throw new ConfigurationException("'" + key + "' must be at least 1, not " + value);
        }
        return value;
    }

    private static <N extends Number> N nonNegative(N value, String key) {
        if (value.longValue() < 0) {
            throw new ConfigurationException("'" + key + "' must not be negative");
        }
        return value;
    }

    private static IntakeWatermark intakeWatermark(int high, int low) {
        if (high < 1 || high > 100) {
            throw new ConfigurationException("storage.intake-high-water-percent must be from 1 to 100, not " + high);
        }
        if (low < 1 || low > high) {
            throw new ConfigurationException("storage.intake-low-water-percent must be from 1 to"
                    + " storage.intake-high-water-percent (" + high + "), not " + low);
        }
        return new IntakeWatermark(high, low);
    }

    private static List<TenantToken> tenantTokens(Config list, Path base, String mainLabel) {
        List<TenantToken> tokens = new ArrayList<>();
        Set<String> labels = new HashSet<>(Set.of(mainLabel));
        Set<String> tenants = new HashSet<>();
        for (Config node : list.asNodeList().orElse(List.of())) {
            String label = required(node, "token-label");
            if (!labels.add(label)) {
                throw new ConfigurationException("the token '" + label + "' is configured twice under hsm");
            }
            List<String> organs = node.get("tenants").asList(String.class).orElse(List.of());
            for (String organ : organs) {
                if (!tenants.add(organ)) {
                    throw new ConfigurationException("the tenant " + organ + " is listed under two tokens in hsm.tokens");
                }
            }
            String library = node.get("library").asString().orElseThrow(() -> new ConfigurationException(
                    "the configuration file has no 'library' for the token '" + label + "' under hsm.tokens"));
            tokens.add(new TenantToken(new TokenConfig(base.resolve(library),
                    label, pinSource(required(node, "pin"), base)), organs));
        }
        return tokens;
    }

    private static int maxBatch(int value) {
        if (value < 1 || value > 65_536) {
            throw new ConfigurationException("hsm.max-batch must be from 1 to 65536, not " + value);
        }
        return value;
    }

    /**
     * The operator API's listener ({@code listeners.operator}), if the file configures one: the
     * operator API runs only where the operator asked for it.
     */
    public static java.util.Optional<Listener> operatorListener(Path file) {
        Config config = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.file(file.toAbsolutePath().normalize()))
                .build();
        Config node = config.get("listeners.operator");
        return node.exists() ? java.util.Optional.of(listener(node, 9443)) : java.util.Optional.empty();
    }

    /** Whether CRLs are fetched from the certificates' distribution points ({@code trust.crl-fetch}), and how often. */
    public record CrlFetch(boolean enabled, Duration interval) {
    }

    /** {@code trust.crl-fetch} (default false) and {@code trust.crl-fetch-interval-minutes} (default 60, at least 1). */
    private static CrlFetch crlFetch(Config config) {
        long minutes = config.get("trust.crl-fetch-interval-minutes").asLong().orElse(60L);
        if (minutes < 1) {
            throw new IllegalArgumentException("'trust.crl-fetch-interval-minutes' must be at least 1");
        }
        return new CrlFetch(config.get("trust.crl-fetch").asBoolean().orElse(false), Duration.ofMinutes(minutes));
    }

    private static Listener listener(Config node, int defaultPort) {
        return new Listener(node.get("host").asString().orElse("127.0.0.1"),
                node.get("port").asInt().orElse(defaultPort), limits(node));
    }

    /** The listener's admission limits; each key absent takes its default. */
    private static ListenerLimits limits(Config node) {
        ListenerLimits d = ListenerLimits.DEFAULTS;
        try {
            return new ListenerLimits(
                    node.get("max-connections").asInt().orElse(d.maxConnections()),
                    node.get("max-connections-per-address").asInt().orElse(d.maxConnectionsPerAddress()),
                    node.get("max-concurrent-streams").asInt().orElse(d.maxConcurrentStreams()),
                    node.get("max-concurrent-requests").asInt().orElse(d.maxConcurrentRequests()),
                    Duration.ofSeconds(node.get("request-header-timeout-seconds").asLong()
                            .orElse(d.requestHeaderTimeout().toSeconds())),
                    node.get("min-body-rate-bytes-per-second").asLong().orElse(d.minBodyRateBytesPerSecond()));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("listeners." + node.name() + ": " + e.getMessage());
        }
    }

    private static String required(Config config, String key) {
        return config.get(key).asString().orElseThrow(
                () -> new ConfigurationException("the configuration file has no '" + key + "'"));
    }

    /** {@code env:NAME} or {@code file:PATH}, a relative PATH being relative to the config file. */
    private static PinSource pinSource(String spec, Path base) {
        PinSource parsed = PinSource.parse(spec);
        if (parsed instanceof PinSource.File(Path path)) {
            return new PinSource.File(base.resolve(path));
        }
        return parsed;
    }
}
