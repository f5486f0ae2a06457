package vn.lienthong.hsm.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vn.lienthong.hsm.HsmException;
import vn.lienthong.hsm.cert.Csr;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.hsm.cms.CmsSigner;
import vn.lienthong.hsm.cms.CmsVerifier;
import vn.lienthong.hsm.testing.ChildProcess;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.testing.TestCertificateAuthority;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;

class BatchSignerTest {

    private static SoftHsmTestToken softHsm;
    private static Token token;
    private static TestCertificateAuthority root;
    private static TokenKey key;
    private static CmsSigner cms;

    @TempDir
    Path dir;

    @BeforeAll
    static void certifyAKeyInTheToken() {
        softHsm = SoftHsmTestToken.create("batch");
        token = Token.open(softHsm.config());
        root = TestCertificateAuthority.root("Batch Root CA");
        TokenKey generated = token.generateKey("g22", KeyAlgorithm.EC_P256);
        String csr = Csr.pem(generated, token.provider(), "CN=000.00.00.G22,O=Agency,C=VN", List.of(), List.of());
        key = token.storeChain("g22", root.chainOf(root.issue(csr)));
        cms = new CmsSigner(token.provider());
    }

    @AfterAll
    static void closeToken() {
        token.close();
        softHsm.close();
    }

    private static byte[] header(int i) {
        return ("{\"messageId\":\"m-" + i + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aLoneRequestIsSignedAtOnceAsAPlainDetachedSignature() {
        List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
        try (BatchSigner signer = new BatchSigner("g22", content -> cms.signDetached(key, content), 256, sizes::add)) {
            BatchSignature signature = signer.sign(header(1));

            BatchSignature.Single single = assertInstanceOf(BatchSignature.Single.class, signature);
            assertEquals(key.certificate(), CmsVerifier.verifyDetached(single.cms(), header(1)).signer());
            assertEquals(List.of(1), sizes);
        }
    }

    @Test
    void requestsThatWaitWhileTheKeyIsBusyShareOneSignatureAndEachGetsItsProof() throws Exception {
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch othersQueued = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
        DetachedSigner slowFirst = content -> {
            if (first.getAndSet(false)) {
                firstStarted.countDown();
                await(othersQueued);
            }
            return cms.signDetached(key, content);
        };
        int callers = 40;
        try (BatchSigner signer = new BatchSigner("g22", slowFirst, 256, sizes::add);
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<BatchSignature> lone = threads.submit(() -> signer.sign(header(0)));
            assertTrue(firstStarted.await(30, TimeUnit.SECONDS));
            List<Future<BatchSignature>> results = new ArrayList<>();
            for (int i = 1; i <= callers; i++) {
                int n = i;
                results.add(threads.submit(() -> signer.sign(header(n))));
            }
            awaitQueued(signer, callers);
            othersQueued.countDown();

            assertInstanceOf(BatchSignature.Single.class, lone.get());
            for (int i = 1; i <= callers; i++) {
                BatchSignature.Batched batched = assertInstanceOf(BatchSignature.Batched.class, results.get(i - 1).get());
                assertTrue(batched.root().covers(header(i), batched.proof()), "entry " + i + " is in its batch");
                assertEquals(key.certificate(),
                        CmsVerifier.verifyDetached(batched.cms(), batched.root().encode()).signer());
            }
            assertEquals(List.of(1, callers), sizes, "one lone signature, then one for all that waited");
        }
    }

    @Test
    void aBatchNeverHoldsMoreThanTheBound() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
        DetachedSigner gated = content -> {
            if (first.getAndSet(false)) {
                await(release);
            }
            return cms.signDetached(key, content);
        };
        try (BatchSigner signer = new BatchSigner("g22", gated, 8, sizes::add);
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<BatchSignature>> results = new ArrayList<>();
            results.add(threads.submit(() -> signer.sign(header(0))));
            awaitSigning(signer);
            for (int i = 1; i <= 20; i++) {
                int n = i;
                results.add(threads.submit(() -> signer.sign(header(n))));
            }
            awaitQueued(signer, 20);
            release.countDown();
            for (Future<BatchSignature> result : results) {
                result.get();
            }
        }
        assertEquals(21, sizes.stream().mapToInt(Integer::intValue).sum());
        assertTrue(sizes.stream().allMatch(size -> size <= 8), "batch sizes " + sizes);
    }

    @Test
    void everyRequestOfAFailedBatchGetsTheHsmsError() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        DetachedSigner failing = content -> {
            if (first.getAndSet(false)) {
                await(release);
                return cms.signDetached(key, content);
            }
            throw new HsmException("token 'batch' failed: CKR_DEVICE_ERROR");
        };
        try (BatchSigner signer = new BatchSigner("g22", failing, 256, size -> { });
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<BatchSignature> lone = threads.submit(() -> signer.sign(header(0)));
            awaitSigning(signer);
            List<Future<?>> failed = new ArrayList<>();
            for (int i = 1; i <= 5; i++) {
                int n = i;
                failed.add(threads.submit(() -> {
                    HsmException e = assertThrows(HsmException.class, () -> signer.sign(header(n)));
                    assertEquals("token 'batch' failed: CKR_DEVICE_ERROR", e.getMessage());
                }));
            }
            awaitQueued(signer, 5);
            release.countDown();
            lone.get();
            for (Future<?> f : failed) {
                f.get();
            }
        }
    }

    @Test
    void opensslVerifiesABatchSignatureOverTheRootBytes() throws Exception {
        MerkleTree tree = MerkleTree.of(List.of(BatchSigner.entry(header(1)), BatchSigner.entry(header(2))));
        BatchRoot batchRoot = BatchRoot.of(tree);
        Path signature = Files.write(dir.resolve("signature.p7s"), cms.signDetached(key, batchRoot.encode()));
        Path rootBytes = Files.write(dir.resolve("batch-root.bin"), batchRoot.encode());
        Path anchor = Files.writeString(dir.resolve("root.pem"), Pem.certificates(List.of(root.certificate())));

        ChildProcess.Result result = ChildProcess.run(List.of("openssl", "cms", "-verify", "-binary", "-inform", "DER",
                "-in", signature.toString(), "-content", rootBytes.toString(), "-CAfile", anchor.toString(),
                "-purpose", "any", "-out", "/dev/null"));

        assertEquals(0, result.exitCode(), result.output());
        assertArrayEquals(batchRoot.encode(), Files.readAllBytes(rootBytes));
    }

    @Test
    void aClosedSignerRefusesNewRequests() {
        BatchSigner signer = new BatchSigner("g22", content -> cms.signDetached(key, content), 256, size -> { });
        signer.close();

        HsmException refused = assertThrows(HsmException.class, () -> signer.sign(header(1)));
        assertEquals("the signer of key 'g22' has stopped", refused.getMessage());
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test's gate never opened");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void awaitQueued(BatchSigner signer, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (signer.waiting() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + signer.waiting() + " requests queued");
            }
            Thread.sleep(5);
        }
    }

    private static void awaitSigning(BatchSigner signer) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (signer.signing() == 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("nothing is being signed");
            }
            Thread.sleep(5);
        }
    }

    @Test
    void anIdleSignerAskedOnAVirtualThreadSignsOnAPlatformThread() throws Exception {
        AtomicBoolean virtual = new AtomicBoolean(true);
        try (BatchSigner signer = new BatchSigner("k", content -> {
            virtual.set(Thread.currentThread().isVirtual());
            return cms.signDetached(key, content);
        }, 16, size -> { })) {
            Thread caller = Thread.ofVirtual().start(() -> signer.sign(header(1)));
            caller.join(30_000);
            assertTrue(!virtual.get(), "the HSM was called on the virtual caller's carrier");
        }
    }
}
