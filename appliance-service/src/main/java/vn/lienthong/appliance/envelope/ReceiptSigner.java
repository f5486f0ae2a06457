package vn.lienthong.appliance.envelope;

import java.util.Objects;
import vn.lienthong.hsm.batch.BatchSignature;
import vn.lienthong.hsm.batch.BatchSigner;
import vn.lienthong.hsm.cms.CmsSigner;
import vn.lienthong.hsm.token.TokenKey;

/** Signs receipts in the HSM with the recipient organ's key (detached CMS over the receipt bytes). */
public final class ReceiptSigner {

    private final CmsSigner signer;

    public ReceiptSigner(CmsSigner signer) {
        this.signer = Objects.requireNonNull(signer, "signer");
    }

    /**
     * @throws IllegalArgumentException when the key's certificate is not the recipient organ's
     *                                  (the sender would refuse the receipt)
     */
    public SignedReceipt sign(Receipt receipt, TokenKey recipientKey) {
        requireSignable(receipt, recipientKey);
        byte[] bytes = receipt.toBytes();
        return new SignedReceipt(bytes, signer.signDetached(recipientKey, bytes));
    }

    /**
     * As {@link #sign(Receipt, TokenKey)}, but through the key's batch signer: alone when the key is
     * idle, else as an entry of a batch (the receipt then carries the signed root and its proof), so
     * that a recipient under load does not make one HSM signature per envelope received.
     */
    public static SignedReceipt sign(Receipt receipt, TokenKey recipientKey, BatchSigner batchSigner) {
        requireSignable(receipt, recipientKey);
        byte[] bytes = receipt.toBytes();
        return switch (batchSigner.sign(bytes)) {
            case BatchSignature.Single single -> new SignedReceipt(bytes, single.cms());
            case BatchSignature.Batched batched -> new SignedReceipt(bytes, batched.cms(),
                    EnvelopeBatch.of(batched.root(), batched.proof()));
        };
    }

    private static void requireSignable(Receipt receipt, TokenKey recipientKey) {
        if (!OrganBinding.isBound(recipientKey.certificate(), receipt.recipient())) {
            throw new IllegalArgumentException("key '" + recipientKey.alias() + "' has the certificate of "
                    + recipientKey.certificate().getSubjectX500Principal().getName() + ", not of the recipient organ "
                    + receipt.recipient());
        }
    }
}
