package vn.lienthong.bench.baseline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import vn.lienthong.appliance.cli.JvmLauncher;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;

/**
 * Measures the baselines in a JVM of its own: SoftHSM2 reads its token directory once per process,
 * from {@code SOFTHSM2_CONF}, so the bench's own token needs a process started with that set.
 * {@link #run} starts it from the bench; its {@code main} is the child's side.
 */
@Command(name = "baseline-runner", hidden = true)
public final class BaselineRunner implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--dir", required = true)
    Path directory;

    @Option(names = "--seconds", defaultValue = "3")
    double seconds;

    @Option(names = "--keys", defaultValue = "rsa")
    String keys;

    @Option(names = "--size", defaultValue = "4096")
    int valueBytes;

    @Option(names = "--tls-threads", defaultValue = "4")
    int tlsThreads;

    public static void main(String[] args) {
        System.exit(new CommandLine(new BaselineRunner()).execute(args));
    }

    /**
     * Runs the baselines in a child JVM working in {@code directory} (its token, LMDB files and log go
     * there) and answers what it measured.
     */
    public static BaselineFigures run(Path directory, double seconds, String keys, int valueBytes, int tlsThreads)
            throws IOException, InterruptedException {
        Path softhsm = Files.createDirectories(directory.resolve("softhsm"));
        Path out = directory.resolve("baselines.json");
        Files.deleteIfExists(out);
        Path log = directory.resolve("baselines.log");
        Process process = new JvmLauncher(BaselineRunner.class.getName())
                .builder(Map.of("SOFTHSM2_CONF", softhsm.resolve("softhsm2.conf").toString()),
                        List.of("--dir", directory.toString(), "--seconds", Double.toString(seconds), "--keys", keys,
                                "--size", Integer.toString(valueBytes), "--tls-threads", Integer.toString(tlsThreads)))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        // Six HSM, LMDB and TLS figures of two parts each, plus token and JVM start.
        long limitSeconds = (long) (seconds * 20) + 120;
        if (!process.waitFor(limitSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("the baselines did not finish within " + limitSeconds + " s; see " + log);
        }
        if (process.exitValue() != 0 || !Files.exists(out)) {
            throw new IOException("the baselines failed (exit " + process.exitValue() + "): "
                    + lastLines(log, 5) + " (all of it in " + log + ")");
        }
        return JSON.readValue(out.toFile(), BaselineFigures.class);
    }

    private static String lastLines(Path log, int count) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join(" / ", lines.subList(Math.max(0, lines.size() - count), lines.size()));
    }

    @Override
    public Integer call() throws Exception {
        Path softhsm = directory.resolve("softhsm").toAbsolutePath();
        System.setProperty("lienthong.test.softhsm.dir", softhsm.toString());
        Duration each = Duration.ofMillis((long) (seconds * 1000));
        SoftHsmTestToken softHsm = SoftHsmTestToken.create("lienthong-bench");
        try (Token token = Token.open(softHsm.config())) {
            KeyAlgorithm chosen = "ec".equals(keys) ? KeyAlgorithm.EC_P256 : KeyAlgorithm.RSA_2048;
            List<BaselineFigures.HsmSign> hsmAll = new ArrayList<>();
            for (KeyAlgorithm algorithm : KeyAlgorithm.values()) {
                hsmAll.add(HsmSignBaseline.measure(token, algorithm, each));
                System.out.println("baseline: " + hsmAll.getLast());
            }
            List<BaselineFigures.LmdbCommits> lmdb = new ArrayList<>();
            for (int perTransaction : new int[] {1, 100}) {
                lmdb.add(LmdbCommitBaseline.measure(directory.resolve("lmdb"), perTransaction, valueBytes, each));
                System.out.println("baseline: " + lmdb.getLast());
            }
            List<BaselineFigures.Tls> tls = new AxisTlsBaseline(token).measure(List.of(KeyAlgorithm.values()),
                    each, tlsThreads, valueBytes);
            tls.forEach(t -> System.out.println("baseline: " + t));
            BaselineFigures figures = new BaselineFigures(
                    hsmAll.stream().filter(h -> h.algorithm().equals(HsmSignBaseline.label(chosen))).findFirst()
                            .orElseThrow(), hsmAll, lmdb, tls, seconds);
            JSON.writeValue(directory.resolve("baselines.json").toFile(), figures);
            return 0;
        } finally {
            softHsm.close();
        }
    }
}
