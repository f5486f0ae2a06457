package vn.lienthong.storage;

/**
 * A new document was refused because the store is above its intake high-water mark; nothing of it
 * was stored. Writes that drain the store (deliveries, receipts, acknowledgements) still succeed.
 */
public class IntakeClosedException extends StorageFullException {
    public IntakeClosedException(String message) {
        super(message, null);
    }
}
