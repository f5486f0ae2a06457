package vn.lienthong.appliance.evidence;

import java.util.Objects;
import vn.lienthong.appliance.envelope.Envelope;
import vn.lienthong.appliance.envelope.SignedReceipt;

/** Non-repudiation evidence for one message: the envelope as sent and the recipient's signed receipt for it. */
public record Evidence(Envelope envelope, SignedReceipt receipt) {
    public Evidence {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(receipt, "receipt");
    }
}
