package vn.lienthong.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import vn.lienthong.appliance.envelope.Envelope;
import vn.lienthong.appliance.envelope.EnvelopeBatch;
import vn.lienthong.appliance.envelope.EnvelopeHeader;
import vn.lienthong.appliance.envelope.EnvelopeSealer;
import vn.lienthong.appliance.envelope.EnvelopeVerifier;
import vn.lienthong.appliance.envelope.VerifiedEnvelope;
import vn.lienthong.hsm.batch.BatchRoot;
import vn.lienthong.hsm.batch.BatchSignature;
import vn.lienthong.hsm.batch.BatchSigner;
import vn.lienthong.hsm.batch.MerkleTree;
import vn.lienthong.hsm.cms.CmsSigner;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.testing.TestCertificateAuthority;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;

/**
 * Envelope signing at the HSM's ceiling: the raw SunPKCS11 signature in one thread (the
 * baseline), the {@link BatchSigner} with 1, 16 and 64 concurrent callers, and the verification
 * of single- and batch-signed envelopes, for RSA-2048 and EC P-256. Throughput in operations per
 * second; {@link BatchSigningReport} prints each as a ratio to the baseline of the same key type.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.crypto.cryptoki",
        "--add-exports=jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED"})
public class BatchSigningBenchmark {

    private static final String SENDER = "000.00.00.G22";
    /** Envelopes per prepared batch, and prepared batches, for the verification benchmarks. */
    private static final int BATCH = 64;
    private static final int BATCHES = 64;

    @Param({"rsa2048", "ecp256"})
    public String algorithm;

    private SoftHsmTestToken softHsm;
    private Token token;
    private TokenKey key;
    private Signature raw;
    private byte[] header;
    private BatchSigner batchSigner;
    private List<X509Certificate> anchors;
    private List<Envelope> singleSigned;
    private List<Envelope> batchSigned;
    private EnvelopeVerifier verifier;
    private final AtomicInteger next = new AtomicInteger();

    @Setup(Level.Trial)
    public void openToken() throws GeneralSecurityException {
        String conf = System.getenv("SOFTHSM2_CONF");
        if (conf == null) {
            throw new IllegalStateException("set SOFTHSM2_CONF to a softhsm2.conf path in a writable directory"
                    + " (perf-bench/bench-batch.sh does)");
        }
        System.setProperty("lienthong.test.softhsm.dir", Path.of(conf).toAbsolutePath().getParent().toString());
        softHsm = SoftHsmTestToken.create("batch-bench");
        token = Token.open(softHsm.config());
        KeyAlgorithm keyAlgorithm = "rsa2048".equals(algorithm) ? KeyAlgorithm.RSA_2048 : KeyAlgorithm.EC_P256;
        TokenKey generated = token.generateKey("bench", keyAlgorithm);
        TestCertificateAuthority ca = TestCertificateAuthority.root("Bench Root CA");
        key = token.storeChain("bench", ca.chainOf(ca.issue("CN=" + SENDER + ",O=bench,C=VN",
                generated.publicKey(), Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(Duration.ofDays(1)))));
        anchors = List.of(ca.certificate());
        CmsSigner cms = new CmsSigner(token.provider());
        raw = Signature.getInstance(key.defaultSignatureAlgorithm().jcaName(), token.provider());
        raw.initSign(key.privateKey());
        byte[] payload = "<edXML>bench</edXML>".getBytes(StandardCharsets.UTF_8);
        header = header("bench-0", payload).toBytes();
        batchSigner = new BatchSigner("bench", content -> cms.signDetached(key, content),
                BatchSigner.DEFAULT_MAX_BATCH, size -> { });

        // Envelopes to verify: as many signed alone, and in batches of 64 signed through the batch signer.
        EnvelopeSealer sealer = new EnvelopeSealer(cms);
        singleSigned = new ArrayList<>();
        batchSigned = new ArrayList<>();
        for (int b = 0; b < BATCHES; b++) {
            List<EnvelopeHeader> headers = new ArrayList<>();
            for (int i = 0; i < BATCH; i++) {
                EnvelopeHeader h = header("bench-" + b + "-" + i, payload);
                headers.add(h);
                if (b < 4) {
                    singleSigned.add(sealer.seal(h, payload, key));
                }
            }
            batchSigned.addAll(sealInOneBatch(cms, headers, payload));
        }
        verifier = new EnvelopeVerifier(16);
    }

    /** Seals the headers as one batch, as the batch signer does when they all wait for the key at once. */
    private List<Envelope> sealInOneBatch(CmsSigner cms, List<EnvelopeHeader> headers, byte[] payload) {
        MerkleTree tree = MerkleTree.of(headers.stream()
                .map(h -> BatchSigner.entry(h.toBytes())).toList());
        BatchRoot root = BatchRoot.of(tree);
        byte[] signature = cms.signDetached(key, root.encode());
        List<Envelope> envelopes = new ArrayList<>();
        for (int i = 0; i < headers.size(); i++) {
            envelopes.add(new Envelope(headers.get(i).toBytes(), payload, signature,
                    EnvelopeBatch.of(root, tree.proof(i))));
        }
        return envelopes;
    }

    private static EnvelopeHeader header(String id, byte[] payload) {
        return EnvelopeHeader.of(UUID.nameUUIDFromBytes(id.getBytes(StandardCharsets.UTF_8)).toString(), SENDER,
                List.of("000.00.00.H41"), Instant.parse("2026-11-26T10:15:30Z"), "application/edxml+xml", payload);
    }

    @TearDown(Level.Trial)
    public void closeToken() {
        batchSigner.close();
        token.close();
        softHsm.close();
    }

    @Benchmark
    @Threads(1)
    public byte[] rawSign() throws GeneralSecurityException {
        raw.update(header);
        return raw.sign();
    }

    @Benchmark
    @Threads(1)
    public BatchSignature batch1() {
        return batchSigner.sign(header);
    }

    @Benchmark
    @Threads(16)
    public BatchSignature batch16() {
        return batchSigner.sign(header);
    }

    @Benchmark
    @Threads(64)
    public BatchSignature batch64() {
        return batchSigner.sign(header);
    }

    @Benchmark
    @Threads(1)
    public VerifiedEnvelope verifySingleSigned() {
        return verifier.verify(singleSigned.get(Math.floorMod(next.getAndIncrement(), singleSigned.size())),
                anchors, Instant.now());
    }

    /** In arrival order, batch after batch: each root signature is verified once, then found in the cache. */
    @Benchmark
    @Threads(1)
    public VerifiedEnvelope verifyBatchSigned() {
        return verifier.verify(batchSigned.get(Math.floorMod(next.getAndIncrement(), batchSigned.size())),
                anchors, Instant.now());
    }
}
