package vn.lienthong.appliance.envelope;

import java.util.Objects;
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
        if (!OrganBinding.isBound(recipientKey.certificate(), receipt.recipient())) {
            throw new IllegalArgumentException("key '" + recipientKey.alias() + "' has the certificate of "
                    + recipientKey.certificate().getSubjectX500Principal().getName() + ", not of the recipient organ "
                    + receipt.recipient());
        }
        byte[] bytes = receipt.toBytes();
        return new SignedReceipt(bytes, signer.signDetached(recipientKey, bytes));
    }
}
