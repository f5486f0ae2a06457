package vn.lienthong.appliance.evidence;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import vn.lienthong.appliance.envelope.Envelope;
import vn.lienthong.appliance.envelope.EnvelopeBatch;
import vn.lienthong.appliance.envelope.EnvelopeRejectedException;
import vn.lienthong.appliance.envelope.EnvelopeRejectedException.Reason;
import vn.lienthong.appliance.envelope.SignedReceipt;
import vn.lienthong.appliance.envelope.VerifiedSigner;
import vn.lienthong.hsm.cert.Pem;

/**
 * The evidence file: a ZIP of {@code header.json}, {@code payload.bin}, {@code signature.p7s}
 * (DER), {@code receipt.json}, {@code receipt.p7s} (DER) and {@code chain.pem} (the sender's and
 * the recipient's signer chains). Each part is kept byte for byte as signed, so that standard tools
 * check it too: {@code openssl cms -verify -binary -inform DER -in signature.p7s -content
 * header.json -CAfile root.pem -purpose any}. A batch-signed envelope adds {@code batch-root.bin}
 * (the root bytes {@code signature.p7s} signs: give it to OpenSSL as the content instead) and
 * {@code proof.json} (the header's inclusion proof); a batch-signed receipt adds
 * {@code receipt-batch-root.bin} (the content {@code receipt.p7s} signs) and
 * {@code receipt-proof.json} in the same way. The same inputs always give the same file.
 */
public final class EvidenceFile {

    public static final String HEADER = "header.json";
    public static final String PAYLOAD = "payload.bin";
    public static final String SIGNATURE = "signature.p7s";
    public static final String RECEIPT = "receipt.json";
    public static final String RECEIPT_SIGNATURE = "receipt.p7s";
    public static final String CHAIN = "chain.pem";
    public static final String BATCH_ROOT = "batch-root.bin";
    public static final String PROOF = "proof.json";
    public static final String RECEIPT_BATCH_ROOT = "receipt-batch-root.bin";
    public static final String RECEIPT_PROOF = "receipt-proof.json";

    /** The entries every evidence file has, in the order they are written. */
    public static final List<String> ENTRIES = List.of(HEADER, PAYLOAD, SIGNATURE, RECEIPT, RECEIPT_SIGNATURE, CHAIN);
    /** The entries of a batch-signed envelope, written after the others; both or neither. */
    public static final List<String> BATCH_ENTRIES = List.of(BATCH_ROOT, PROOF);
    /** The entries of a batch-signed receipt, written last; both or neither. */
    public static final List<String> RECEIPT_BATCH_ENTRIES = List.of(RECEIPT_BATCH_ROOT, RECEIPT_PROOF);

    /** How many bytes an evidence file may expand to when {@link #read(byte[])} reads it. */
    public static final long DEFAULT_MAX_BYTES = 256L * 1024 * 1024;

    private EvidenceFile() {
    }

    /**
     * Writes the evidence for an envelope and its receipt.
     *
     * @throws EnvelopeRejectedException BAD_SIGNATURE when a signature does not verify over its part
     */
    public static byte[] write(Envelope envelope, SignedReceipt receipt) {
        Set<X509Certificate> chains = new LinkedHashSet<>(
                VerifiedSigner.carriedChain(envelope.signature(), envelope.signedBytes()));
        chains.addAll(VerifiedSigner.carriedChain(receipt.signature(), receipt.signedBytes()));
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(HEADER, envelope.headerBytes());
        entries.put(PAYLOAD, envelope.payload());
        entries.put(SIGNATURE, envelope.signature());
        entries.put(RECEIPT, receipt.receiptBytes());
        entries.put(RECEIPT_SIGNATURE, receipt.signature());
        entries.put(CHAIN, Pem.certificates(List.copyOf(chains)).getBytes(StandardCharsets.US_ASCII));
        if (envelope.batch() != null) {
            entries.put(BATCH_ROOT, envelope.batch().rootBytes());
            entries.put(PROOF, envelope.batch().proofJson());
        }
        if (receipt.batch() != null) {
            entries.put(RECEIPT_BATCH_ROOT, receipt.batch().rootBytes());
            entries.put(RECEIPT_PROOF, receipt.batch().proofJson());
        }

        // Entry times are the receipt's, in UTC, so the file does not depend on when or where it is written.
        LocalDateTime time = LocalDateTime.ofInstant(receipt.receipt().receivedAt(), ZoneOffset.UTC);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                ZipEntry zipEntry = new ZipEntry(entry.getKey());
                zipEntry.setTimeLocal(time);
                zip.putNextEntry(zipEntry);
                zip.write(entry.getValue());
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Reads an evidence file that expands to at most {@link #DEFAULT_MAX_BYTES}; checks its form, not its signatures. */
    public static Evidence read(byte[] file) {
        return read(file, DEFAULT_MAX_BYTES);
    }

    /**
     * Reads an evidence file that expands to at most {@code maxBytes}; checks its form, not its signatures.
     *
     * @throws EnvelopeRejectedException MALFORMED or TOO_LARGE
     */
    public static Evidence read(byte[] file, long maxBytes) {
        Map<String, byte[]> entries = entries(file, maxBytes);
        EnvelopeBatch batch = entries.containsKey(BATCH_ROOT)
                ? new EnvelopeBatch(entries.get(BATCH_ROOT), entries.get(PROOF))
                : null;
        return new Evidence(new Envelope(entries.get(HEADER), entries.get(PAYLOAD), entries.get(SIGNATURE), batch),
                new SignedReceipt(entries.get(RECEIPT), entries.get(RECEIPT_SIGNATURE),
                        entries.containsKey(RECEIPT_BATCH_ROOT)
                                ? new EnvelopeBatch(entries.get(RECEIPT_BATCH_ROOT), entries.get(RECEIPT_PROOF))
                                : null));
    }

    /**
     * The entries by name, in the order written; refuses other, repeated or missing entries and more
     * than {@code maxBytes} in all.
     */
    static Map<String, byte[]> entries(byte[] file, long maxBytes) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        long total = 0;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(file))) {
            ZipEntry entry;
            while ((entry = zip.getNextEntry()) != null) {
                String name = entry.getName();
                if (!ENTRIES.contains(name) && !BATCH_ENTRIES.contains(name) && !RECEIPT_BATCH_ENTRIES.contains(name)) {
                    throw malformed("the evidence file has an entry that is not one of " + String.join(", ", ENTRIES)
                            + ", " + String.join(", ", BATCH_ENTRIES) + ", " + String.join(", ", RECEIPT_BATCH_ENTRIES));
                }
                if (entries.containsKey(name)) {
                    throw malformed("the evidence file has two entries named " + name);
                }
                // Read no more than the limit allows, whatever the entry claims: a small file can expand hugely.
                byte[] content = zip.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes - total + 1));
                total += content.length;
                if (total > maxBytes) {
                    throw new EnvelopeRejectedException(Reason.TOO_LARGE, "the evidence file expands to more than "
                            + maxBytes + " bytes");
                }
                entries.put(name, content);
            }
        } catch (ZipException e) {
            throw malformed("the evidence file is not a valid ZIP archive: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (entries.isEmpty()) {
            throw malformed("the evidence file is not a ZIP archive with the evidence entries");
        }
        for (String name : ENTRIES) {
            if (!entries.containsKey(name)) {
                throw malformed("the evidence file has no " + name);
            }
        }
        if (entries.containsKey(BATCH_ROOT) != entries.containsKey(PROOF)) {
            throw malformed("the evidence file has only one of " + BATCH_ROOT + " and " + PROOF);
        }
        if (entries.containsKey(RECEIPT_BATCH_ROOT) != entries.containsKey(RECEIPT_PROOF)) {
            throw malformed("the evidence file has only one of " + RECEIPT_BATCH_ROOT + " and " + RECEIPT_PROOF);
        }
        return entries;
    }

    private static EnvelopeRejectedException malformed(String message) {
        return new EnvelopeRejectedException(Reason.MALFORMED, message);
    }
}
