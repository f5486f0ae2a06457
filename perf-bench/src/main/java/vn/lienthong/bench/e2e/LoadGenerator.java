package vn.lienthong.bench.e2e;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import vn.lienthong.appliance.demo.DocumentSystemClient;

/**
 * The document systems of the load: {@code clients} of them submit edXML documents to the sending
 * appliance's local API over mutual TLS. Closed loop: each client submits its next document when the
 * previous one is answered. Open loop: documents are due at a fixed rate whatever the answers, at
 * most {@code clients} in flight, and each one's latency counts from when it was due (so a stalled
 * appliance shows in the latency, not as a lower offered load). Accept latencies (202) are recorded
 * in microseconds while {@link #measuring} is on.
 */
final class LoadGenerator implements AutoCloseable {

    /** One tenant's document system and the document it sends. */
    record Sender(DocumentSystemClient client, byte[] document) {
    }

    /** A document accepted while measuring: its id and when its submission started (epoch microseconds). */
    record Submitted(String id, long startEpochMicros) {
    }

    private final List<Sender> senders;
    private final Recorder accepted = new Recorder(3);
    private final ConcurrentLinkedQueue<Submitted> submitted = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
    private final AtomicLong next = new AtomicLong();
    private final long baseNanos = System.nanoTime();
    private final long baseEpochMicros;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean measuring;
    private volatile boolean running = true;

    LoadGenerator(List<Sender> senders) {
        this.senders = List.copyOf(senders);
        Instant now = Instant.now();
        this.baseEpochMicros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    /** Starts the clients: closed loop when {@code ratePerSecond} is null. */
    void start(int clients, Double ratePerSecond) {
        if (ratePerSecond == null) {
            for (int i = 0; i < clients; i++) {
                Sender sender = senders.get(i % senders.size());
                threads.add(Thread.ofVirtual().name("dms-" + i).start(() -> {
                    while (running) {
                        submit(sender, System.nanoTime());
                    }
                }));
            }
        } else {
            Semaphore inFlight = new Semaphore(clients);
            long intervalNanos = (long) (1e9 / ratePerSecond);
            threads.add(Thread.ofPlatform().name("dms-schedule").start(() -> {
                long due = System.nanoTime();
                while (running) {
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                        continue;
                    }
                    long dueAt = due;
                    Sender sender = senders.get((int) (next.getAndIncrement() % senders.size()));
                    inFlight.acquireUninterruptibly();
                    Thread.ofVirtual().start(() -> {
                        try {
                            submit(sender, dueAt);
                        } finally {
                            inFlight.release();
                        }
                    });
                    due += intervalNanos;
                }
            }));
        }
    }

    private void submit(Sender sender, long startNanos) {
        try {
            DocumentSystemClient.Answer answer = sender.client().submit(sender.document());
            long end = System.nanoTime();
            if (answer.status() == 202) {
                if (measuring) {
                    accepted.recordValue(Math.max(1, (end - startNanos) / 1000));
                    submitted.add(new Submitted(answer.json().path("id").asText(), epochMicros(startNanos)));
                }
                return;
            }
            countError("http-" + answer.status());
        } catch (IOException e) {
            countError("io-error");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
            return;
        }
        // An appliance that refuses (full store, HSM away) must not turn the clients into a busy loop.
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }

    private void countError(String kind) {
        if (measuring) {
            errors.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
        }
    }

    long epochMicros(long nanoTime) {
        return baseEpochMicros + (nanoTime - baseNanos) / 1000;
    }

    void measuring(boolean on) {
        measuring = on;
    }

    /** The accept latencies (µs) recorded since the previous call. */
    Histogram interval() {
        return accepted.getIntervalHistogram();
    }

    List<Submitted> submitted() {
        return List.copyOf(submitted);
    }

    Map<String, Long> errors() {
        Map<String, Long> copy = new java.util.TreeMap<>();
        errors.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }

    /** Stops the clients and waits (up to 30 s) for the requests in flight to be answered. */
    @Override
    public void close() {
        running = false;
        measuring = false;
        for (Thread thread : threads) {
            try {
                thread.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
