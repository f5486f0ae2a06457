package vn.lienthong.appliance.envelope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
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
import vn.lienthong.appliance.envelope.EnvelopeRejectedException.Reason;
import vn.lienthong.hsm.batch.BatchSigner;
import vn.lienthong.hsm.batch.DetachedSigner;

class EnvelopeBatchTest {

    private static TestOrgans organs;

    @BeforeAll
    static void twoOrgansOnOneToken() {
        organs = TestOrgans.create("envelope-batch");
    }

    @AfterAll
    static void removeToken() {
        organs.close();
    }

    private static Envelope roundTrip(Envelope envelope) {
        return EnvelopeCodec.decode(EnvelopeCodec.encode(envelope), 1 << 20);
    }

    @Test
    void everyEnvelopeOfABatchVerifiesAfterTheWireAndTheRootSignatureIsVerifiedOnce() {
        EnvelopeVerifier verifier = new EnvelopeVerifier();
        List<Envelope> batch = organs.batchSealed("batch", 12);

        for (Envelope envelope : batch) {
            VerifiedEnvelope verified = verifier.verify(roundTrip(envelope), organs.anchors(), Instant.now());
            assertEquals(organs.sender.certificate(), verified.signer().certificate());
        }

        assertEquals(1, verifier.rootSignaturesVerified(), "twelve envelopes, one root: one CMS verification");
        organs.batchSealed("another", 3).forEach(e -> verifier.verify(e, organs.anchors(), Instant.now()));
        assertEquals(2, verifier.rootSignaturesVerified());
    }

    @Test
    void theRootCacheIsBoundedAndAnEvictedRootIsVerifiedAgain() {
        EnvelopeVerifier verifier = new EnvelopeVerifier(1);
        Envelope first = organs.batchSealed("first", 2).getFirst();
        Envelope second = organs.batchSealed("second", 2).getFirst();

        verifier.verify(first, organs.anchors(), Instant.now());
        verifier.verify(second, organs.anchors(), Instant.now());
        verifier.verify(first, organs.anchors(), Instant.now());

        assertEquals(3, verifier.rootSignaturesVerified());
    }

    @Test
    void aHeaderThatIsNotTheOneInTheBatchIsRefused() {
        List<Envelope> batch = organs.batchSealed("swap", 4);
        Envelope zero = batch.get(0);
        Envelope one = batch.get(1);
        // Envelope 1's header and payload with envelope 0's proof: the proof leads elsewhere.
        Envelope swapped = new Envelope(one.headerBytes(), one.payload(), zero.signature(), zero.batch());

        EnvelopeRejectedException e = assertThrows(EnvelopeRejectedException.class,
                () -> new EnvelopeVerifier().verify(swapped, organs.anchors(), Instant.now()));

        assertEquals(Reason.BAD_SIGNATURE, e.reason());
        assertEquals("the batch proof of message swap-1 does not lead from its header to the signed batch root",
                e.getMessage());
    }

    @Test
    void aRootSignedByAnotherOrgansKeyIsRefusedAndNotCachedAsTheSenders() {
        EnvelopeVerifier verifier = new EnvelopeVerifier();
        Envelope honest = organs.batchSealed("forged", 2).getFirst();
        byte[] recipientSignature = organs.cms.signDetached(organs.recipient, honest.batch().rootBytes());
        Envelope forged = new Envelope(honest.headerBytes(), honest.payload(), recipientSignature, honest.batch());

        EnvelopeRejectedException e = assertThrows(EnvelopeRejectedException.class,
                () -> verifier.verify(forged, organs.anchors(), Instant.now()));

        assertEquals(Reason.SIGNER_NOT_SENDER, e.reason());
        verifier.verify(honest, organs.anchors(), Instant.now());
    }

    @Test
    void aSignatureOverOtherRootBytesIsRefused() {
        Envelope a = organs.batchSealed("a", 2).getFirst();
        Envelope b = organs.batchSealed("b", 2).getFirst();
        Envelope mixed = new Envelope(a.headerBytes(), a.payload(), b.signature(), a.batch());

        EnvelopeRejectedException e = assertThrows(EnvelopeRejectedException.class,
                () -> new EnvelopeVerifier().verify(mixed, organs.anchors(), Instant.now()));

        assertEquals(Reason.BAD_SIGNATURE, e.reason());
    }

    @Test
    void theWireFormCarriesBothBatchFieldsOrNeither() {
        Envelope batched = organs.batchSealed("wire", 2).getFirst();
        String json = new String(EnvelopeCodec.encode(batched), StandardCharsets.UTF_8);
        String onlyRoot = json.replaceFirst(",\"batchProof\":\"[^\"]*\"", "");
        String badProof = json.replaceFirst("\"batchProof\":\"[^\"]*\"", "\"batchProof\":\""
                + Base64.getEncoder().encodeToString("{\"leafIndex\":5,\"treeSize\":2,\"path\":[]}"
                .getBytes(StandardCharsets.UTF_8)) + "\"");

        assertTrue(json.contains("\"batchRoot\":") && json.contains("\"batchProof\":"), json);
        assertEquals(batched, roundTrip(batched));
        assertEquals(Reason.MALFORMED, assertThrows(EnvelopeRejectedException.class,
                () -> EnvelopeCodec.decode(onlyRoot.getBytes(StandardCharsets.UTF_8), 1 << 20)).reason());
        assertEquals(Reason.MALFORMED, assertThrows(EnvelopeRejectedException.class,
                () -> EnvelopeCodec.decode(badProof.getBytes(StandardCharsets.UTF_8), 1 << 20)).reason());
        assertNull(roundTrip(organs.sealed("single", TestOrgans.payload("single"))).batch());
    }

    @Test
    void envelopesSealedThroughABusyKeysBatchSignerAllVerify() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        DetachedSigner gated = content -> {
            if (first.getAndSet(false)) {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return organs.cms.signDetached(organs.sender, content);
        };
        List<Future<Envelope>> sealed = new ArrayList<>();
        try (BatchSigner signer = new BatchSigner("g22", gated, 256, size -> { });
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 16; i++) {
                byte[] payload = TestOrgans.payload("busy " + i);
                EnvelopeHeader header = TestOrgans.header("busy-" + i, payload);
                sealed.add(threads.submit(() -> EnvelopeSealer.seal(header, payload, organs.sender, signer)));
                if (i == 0) {
                    Thread.sleep(200); // the first is now being signed; the others wait for it
                }
            }
            Thread.sleep(200);
            release.countDown();
            EnvelopeVerifier verifier = new EnvelopeVerifier();
            int batched = 0;
            for (Future<Envelope> future : sealed) {
                Envelope envelope = roundTrip(future.get());
                verifier.verify(envelope, organs.anchors(), Instant.now());
                batched += envelope.batchSigned() ? 1 : 0;
            }
            assertTrue(batched >= 2, batched + " of 16 envelopes were batch-signed");
        }
    }
}
