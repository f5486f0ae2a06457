package vn.lienthong.storage;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import vn.lienthong.storage.queue.InboxEntry;
import vn.lienthong.storage.queue.InboxMessage;
import vn.lienthong.storage.queue.OutboxMessage;

/** A second process on the same storage directory, started by the tests through {@link ChildJvm}. */
public final class StorageChild {

    private StorageChild() {
    }

    public static void main(String[] args) throws Exception {
        Path directory = Path.of(args[1]);
        long mapSize = Long.parseLong(args[2]);
        switch (args[0]) {
            case "registry-put" -> {
                try (Storage storage = Storage.open(directory, mapSize)) {
                    storage.registry().put(args[3], args[4], args[5].getBytes(UTF_8));
                }
                System.out.println("done");
            }
            case "outbox-put" -> {
                try (Storage storage = Storage.open(directory, mapSize)) {
                    for (String id : args[4].split(",")) {
                        storage.outbox().put(new OutboxMessage(args[3], id, List.of("G01"),
                                ("envelope " + id).getBytes(UTF_8), Instant.now()));
                    }
                }
                System.out.println("done");
            }
            case "outbox-flood" -> flood(directory, mapSize, Integer.parseInt(args[3]));
            case "queue-load" -> queueLoad(directory, mapSize, args[3]);
            case "registry-fill" -> {
                int records = Integer.parseInt(args[3]);
                try (Storage storage = Storage.open(directory, mapSize)) {
                    byte[] value = new byte[64 * 1024];
                    for (int i = 0; i < records; i++) {
                        storage.registry().put("bulk", "r" + i, value);
                    }
                    storage.registry().put("bulk", "last", "written after the others".getBytes(UTF_8));
                }
                System.out.println("done");
            }
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    /**
     * Enqueues, leases, delivers, dead-letters, fetches and acknowledges from several threads until
     * killed, printing one line per write once it returned: "O id", "I id", "D id recipient",
     * "F id recipient", "A id". Ids start with {@code round}, so rounds on one directory never collide.
     */
    private static void queueLoad(Path directory, long mapSize, String round) throws InterruptedException {
        Storage storage = Storage.open(directory, mapSize);
        AtomicInteger counter = new AtomicInteger();
        List<Runnable> jobs = List.of(
                () -> {
                    String id = round + "-o" + counter.incrementAndGet();
                    storage.outbox().put(new OutboxMessage("crash", id, List.of("G01", "G02"),
                            ("envelope " + id).getBytes(UTF_8), Instant.now()));
                    print("O " + id);
                },
                () -> {
                    String id = round + "-o" + counter.incrementAndGet();
                    storage.outbox().put(new OutboxMessage("crash", id, List.of("G03"),
                            ("envelope " + id).getBytes(UTF_8), Instant.now()));
                    print("O " + id);
                },
                () -> {
                    String id = round + "-i" + counter.incrementAndGet();
                    storage.inbox().put(new InboxMessage("crash", id, "G09", ("envelope " + id).getBytes(UTF_8),
                            ("receipt " + id).getBytes(UTF_8), Instant.now()));
                    print("I " + id);
                },
                () -> {
                    for (vn.lienthong.storage.queue.InboxSummary entry : storage.inbox().visible("crash", 8, Instant.now())) {
                        storage.inbox().fetch("crash", entry.messageId(), Instant.now(), Duration.ofMillis(200));
                        storage.inbox().acknowledge("crash", entry.messageId(), Instant.now());
                        print("A " + entry.messageId());
                    }
                },
                () -> storage.outbox().leaseNextDue(Instant.now(), Duration.ofMillis(300)).ifPresent(lease -> {
                    if (lease.recipient().equals("G03")) {
                        storage.outbox().deadLetter(lease, "refused by test", Instant.now());
                        print("F " + lease.messageId() + " " + lease.recipient());
                    } else {
                        storage.outbox().delivered(lease, ("receipt " + lease.messageId()).getBytes(UTF_8),
                                Instant.now());
                        print("D " + lease.messageId() + " " + lease.recipient());
                    }
                }));
        List<Thread> workers = new java.util.ArrayList<>();
        for (Runnable job : jobs) {
            workers.add(Thread.ofPlatform().start(() -> {
                for (;;) {
                    job.run();
                }
            }));
        }
        for (Thread worker : workers) {
            worker.join();
        }
    }

    private static void print(String line) {
        synchronized (System.out) {
            System.out.println(line);
            System.out.flush();
        }
    }

    /** Puts outbox messages from several threads forever, printing each id once put() returned. */
    private static void flood(Path directory, long mapSize, int threads) throws InterruptedException {
        Storage storage = Storage.open(directory, mapSize);
        AtomicInteger counter = new AtomicInteger();
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = Thread.ofPlatform().start(() -> {
                for (;;) {
                    String id = "m" + counter.incrementAndGet();
                    storage.outbox().put(new OutboxMessage("crash", id, List.of("G01"),
                            ("envelope " + id).getBytes(UTF_8), Instant.now()));
                    synchronized (System.out) {
                        System.out.println(id);
                        System.out.flush();
                    }
                }
            });
        }
        for (Thread worker : workers) {
            worker.join();
        }
    }
}
