package vn.lienthong.appliance.envelope;

import java.util.Objects;
import vn.lienthong.hsm.batch.BatchSignature;
import vn.lienthong.hsm.batch.BatchSigner;
import vn.lienthong.hsm.cms.CmsSigner;
import vn.lienthong.hsm.token.TokenKey;

/** Makes envelopes: signs a header's bytes in the HSM with the sending organ's key (detached CMS). */
public final class EnvelopeSealer {

    private final CmsSigner signer;

    public EnvelopeSealer(CmsSigner signer) {
        this.signer = Objects.requireNonNull(signer, "signer");
    }

    /**
     * Seals a payload under a header that states its SHA-256, signed with the sender's key.
     *
     * @throws IllegalArgumentException when the payload is not the one the header describes, or the
     *                                  key's certificate is not the sender organ's (receivers would refuse it)
     */
    public Envelope seal(EnvelopeHeader header, byte[] payload, TokenKey senderKey) {
        requireSealable(header, payload, senderKey);
        byte[] headerBytes = header.toBytes();
        return new Envelope(headerBytes, payload, signer.signDetached(senderKey, headerBytes));
    }

    /**
     * As {@link #seal(EnvelopeHeader, byte[], TokenKey)}, but signed through the key's batch
     * signer: alone when the key is idle, else as an entry of a batch (the envelope then carries
     * the signed root and its proof).
     */
    public static Envelope seal(EnvelopeHeader header, byte[] payload, TokenKey senderKey, BatchSigner batchSigner) {
        requireSealable(header, payload, senderKey);
        byte[] headerBytes = header.toBytes();
        return switch (batchSigner.sign(headerBytes)) {
            case BatchSignature.Single single -> new Envelope(headerBytes, payload, single.cms());
            case BatchSignature.Batched batched -> new Envelope(headerBytes, payload, batched.cms(),
                    EnvelopeBatch.of(batched.root(), batched.proof()));
        };
    }

    private static void requireSealable(EnvelopeHeader header, byte[] payload, TokenKey senderKey) {
        if (!EnvelopeHeader.sha256Hex(payload).equals(header.payloadSha256())) {
            throw new IllegalArgumentException("the payload's SHA-256 is not the header's payloadSha256");
        }
        if (!OrganBinding.isBound(senderKey.certificate(), header.sender())) {
            throw new IllegalArgumentException("key '" + senderKey.alias() + "' has the certificate of "
                    + senderKey.certificate().getSubjectX500Principal().getName() + ", not of the sender organ "
                    + header.sender());
        }
    }
}
