package vn.lienthong.storage;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
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
            case "outbox-flood" -> flood(directory, mapSize, Integer.parseInt(args[3]));
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
