package vn.lienthong.storage.queue;

/** Whether a recipient has returned its signed receipt yet. */
public enum DeliveryStatus {
    PENDING,
    DELIVERED
}
