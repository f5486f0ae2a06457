package vn.lienthong.appliance.ops;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A log for failures that can repeat without bound (a store that refuses every write, a peer that is
 * down): each kind of failure is written once per window, the next time with how often it recurred
 * meanwhile, instead of once per attempt. What it holds back is counted in
 * {@code lienthong_log_suppressed_total{source}}. Thread-safe.
 */
public final class RepeatedLog {

    /** The default window: a failure that goes on is written about once a minute. */
    public static final Duration MINUTE = Duration.ofMinutes(1);
    /** Kinds remembered at once; kinds come from code and organ ids, this only bounds the memory. */
    private static final int MAX_KINDS = 512;
    private static final String OTHER_KINDS = "(other kinds)";

    private final System.Logger logger;
    private final String source;
    private final ApplianceMetrics metrics;
    private final Clock clock;
    private final Duration window;
    private final Map<String, Window> windows = new LinkedHashMap<>();

    /** A failure's current window: when it was last written and how often it came since. */
    private static final class Window {
        private final Instant opened;
        private long suppressed;

        private Window(Instant opened) {
            this.opened = opened;
        }
    }

    /** @param source the bounded label value naming the part of the appliance that logs (forwarder, axis, api) */
    public RepeatedLog(System.Logger logger, String source, ApplianceMetrics metrics, Clock clock, Duration window) {
        this.logger = logger;
        this.source = source;
        this.metrics = metrics;
        this.clock = clock;
        this.window = window;
    }

    /** Writes {@code message} unless a failure of the same {@code kind} was written within the window. */
    public void log(System.Logger.Level level, String kind, String message) {
        log(level, kind, message, null);
    }

    /** As {@link #log(System.Logger.Level, String, String)}, with the cause's stack trace when written. */
    public void log(System.Logger.Level level, String kind, String message, Throwable thrown) {
        Instant now = clock.instant();
        long held;
        synchronized (windows) {
            String key = bounded(kind, now);
            Window current = windows.get(key);
            if (current != null && now.isBefore(current.opened.plus(window))) {
                current.suppressed++;
                metrics.logSuppressed(source);
                return;
            }
            held = current == null ? 0 : current.suppressed;
            windows.remove(key);
            windows.put(key, new Window(now)); // last in order: the oldest windows are first to go
        }
        String text = held == 0 ? message
                : message + " (" + held + " more like it in the last " + window.toSeconds()
                        + " s were not logged; lienthong_log_suppressed_total counts them)";
        if (thrown == null) {
            logger.log(level, text);
        } else {
            logger.log(level, text, thrown);
        }
    }

    /** {@code kind}, or one shared key once too many kinds are open (expired windows are let go first). */
    private String bounded(String kind, Instant now) {
        if (windows.containsKey(kind) || windows.size() < MAX_KINDS) {
            return kind;
        }
        windows.values().removeIf(w -> !now.isBefore(w.opened.plus(window)) && w.suppressed == 0);
        return windows.size() < MAX_KINDS ? kind : OTHER_KINDS;
    }
}
