package vn.lienthong.appliance.audit;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import vn.lienthong.hsm.cms.CmsSignature;
import vn.lienthong.hsm.cms.CmsVerifier;
import vn.lienthong.hsm.trust.ChainValidator;
import vn.lienthong.storage.audit.AuditCheckpoint;
import vn.lienthong.storage.audit.AuditLog;
import vn.lienthong.storage.audit.AuditRecord;

/**
 * Whether the audit log still extends a checkpoint: its signature verifies over the head hash with
 * a certificate that chains to the trust anchors, the log reaches the record it signed, and that
 * record has the hash it signed.
 */
final class CheckpointCheck {

    private CheckpointCheck() {
    }

    /** Empty when the checkpoint holds; else one sentence saying what does not. */
    static Optional<String> problem(AuditCheckpoint checkpoint, AuditLog log, Collection<X509Certificate> anchors) {
        String which = "the checkpoint of record " + checkpoint.sequence() + " (" + checkpoint.at() + ")";
        try {
            signer(checkpoint, anchors);
        } catch (RuntimeException e) {
            return Optional.of(which + " does not carry a valid signature of this appliance: " + e.getMessage());
        }
        Optional<AuditRecord> record = log.record(checkpoint.sequence());
        if (record.isEmpty()) {
            long last = log.head().map(AuditRecord::sequence).orElse(0L);
            return Optional.of("the audit log ends at record " + last + " but " + which
                    + " signed a longer log: its tail was cut off");
        }
        if (!Arrays.equals(record.get().hash(), checkpoint.headHash())) {
            return Optional.of("record " + checkpoint.sequence() + " has another hash than " + which
                    + " signed: the chain was recomputed");
        }
        return Optional.empty();
    }

    /** The checkpoint's signer, once its signature and chain verify. */
    static X509Certificate signer(AuditCheckpoint checkpoint, Collection<X509Certificate> anchors) {
        CmsSignature signature = CmsVerifier.verifyDetached(checkpoint.signature(), checkpoint.signedContent());
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(signature.signer());
        signature.certificates().stream().filter(c -> !c.equals(signature.signer())).forEach(chain::add);
        ChainValidator.validate(chain, anchors, checkpoint.at());
        return signature.signer();
    }
}
