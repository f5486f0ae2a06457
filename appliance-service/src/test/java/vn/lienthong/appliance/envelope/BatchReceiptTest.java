package vn.lienthong.appliance.envelope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import vn.lienthong.appliance.envelope.EnvelopeRejectedException.Reason;
import vn.lienthong.appliance.evidence.Evidence;
import vn.lienthong.appliance.evidence.EvidenceFile;
import vn.lienthong.appliance.evidence.EvidenceVerifier;
import vn.lienthong.hsm.batch.BatchSigner;
import vn.lienthong.hsm.batch.DetachedSigner;

class BatchReceiptTest {

    private static TestOrgans organs;

    @BeforeAll
    static void twoOrgansOnOneToken() {
        organs = TestOrgans.create("batch-receipt");
    }

    @AfterAll
    static void removeToken() {
        organs.close();
    }

    /** Receipts given while the recipient's key is busy: the first is held until the others wait. */
    private static List<SignedReceipt> receiptsFromABusyKey(List<Envelope> envelopes, AtomicInteger hsmSignatures)
            throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        DetachedSigner gated = content -> {
            hsmSignatures.incrementAndGet();
            if (first.getAndSet(false)) {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return organs.cms.signDetached(organs.recipient, content);
        };
        List<Future<SignedReceipt>> signed = new ArrayList<>();
        try (BatchSigner signer = new BatchSigner("h41", gated, 256, size -> { });
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < envelopes.size(); i++) {
                Receipt receipt = Receipt.forEnvelope(envelopes.get(i), TestOrgans.RECIPIENT, Instant.now());
                signed.add(threads.submit(() -> ReceiptSigner.sign(receipt, organs.recipient, signer)));
                if (i == 0) {
                    Thread.sleep(200); // the first is now being signed; the others wait for it
                }
            }
            Thread.sleep(200);
            release.countDown();
            List<SignedReceipt> receipts = new ArrayList<>();
            for (Future<SignedReceipt> future : signed) {
                receipts.add(SignedReceipt.decode(future.get().encode()));
            }
            return receipts;
        }
    }

    private static List<Envelope> envelopes(String prefix, int count) {
        List<Envelope> envelopes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            envelopes.add(organs.sealed(prefix + "-" + i, TestOrgans.payload(prefix + " " + i)));
        }
        return envelopes;
    }

    @Test
    void receiptsGivenWhileTheKeyIsBusyShareOneSignatureAndEachVerifiesForItsEnvelope() throws Exception {
        List<Envelope> envelopes = envelopes("busy", 12);
        AtomicInteger hsmSignatures = new AtomicInteger();
        List<SignedReceipt> receipts = receiptsFromABusyKey(envelopes, hsmSignatures);

        ReceiptVerifier verifier = new ReceiptVerifier();
        int batched = 0;
        for (int i = 0; i < receipts.size(); i++) {
            VerifiedReceipt verified = verifier.verify(receipts.get(i), envelopes.get(i), TestOrgans.RECIPIENT,
                    organs.anchors(), Instant.now());
            assertEquals(organs.recipient.certificate(), verified.signer().certificate());
            batched += receipts.get(i).batch() != null ? 1 : 0;
        }
        assertTrue(batched >= 2, batched + " of 12 receipts were batch-signed");
        assertTrue(hsmSignatures.get() < receipts.size(), hsmSignatures + " HSM signatures for 12 receipts");
        assertNull(receipts.getFirst().batch(), "the first found the key idle and was signed alone");
    }

    @Test
    void aBatchReceiptIsRefusedForAnotherEnvelopeAndWithAnotherReceiptsProof() throws Exception {
        List<Envelope> envelopes = envelopes("swap", 6);
        List<SignedReceipt> receipts = receiptsFromABusyKey(envelopes, new AtomicInteger());
        SignedReceipt batched = receipts.getLast();
        SignedReceipt sibling = receipts.get(receipts.size() - 2);
        assertNotNull(batched.batch());
        assertNotNull(sibling.batch());
        ReceiptVerifier verifier = new ReceiptVerifier();

        assertEquals(Reason.RECEIPT_MISMATCH, assertThrows(EnvelopeRejectedException.class,
                () -> verifier.verify(batched, envelopes.getFirst(), TestOrgans.RECIPIENT, organs.anchors(),
                        Instant.now())).reason());
        SignedReceipt borrowedProof = new SignedReceipt(batched.receiptBytes(), batched.signature(), sibling.batch());
        assertEquals(Reason.BAD_SIGNATURE, assertThrows(EnvelopeRejectedException.class,
                () -> verifier.verify(borrowedProof, envelopes.getLast(), TestOrgans.RECIPIENT, organs.anchors(),
                        Instant.now())).reason());
    }

    @Test
    void theEvidenceOfABatchSignedReceiptCarriesItsRootAndProofAndVerifies() throws Exception {
        List<Envelope> envelopes = envelopes("evidence", 4);
        SignedReceipt batched = receiptsFromABusyKey(envelopes, new AtomicInteger()).getLast();
        assertNotNull(batched.batch());

        Evidence evidence = EvidenceFile.read(EvidenceFile.write(envelopes.getLast(), batched));

        assertEquals(batched, evidence.receipt());
        List<String> report = new EvidenceVerifier().verify(evidence, organs.anchors(), Instant.now());
        assertTrue(report.stream().anyMatch(line -> line.startsWith("receipt signature: valid")), report.toString());
    }
}
