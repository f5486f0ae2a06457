package vn.lienthong.storage.queue;

/**
 * Where one recipient's delivery stands: queued for an attempt, in flight under a forwarder's
 * lease, delivered with the recipient's receipt, or failed (dead-lettered, waiting for an operator).
 */
public enum DeliveryStatus {
    /** Waiting for its next attempt. */
    PENDING,
    /** Leased by a forwarder; due again when the lease ends if the forwarder never reports. */
    IN_FLIGHT,
    /** The recipient returned its signed receipt. */
    DELIVERED,
    /** Given up after too many attempts or too long; an operator may requeue it. */
    FAILED;

    /** True while the delivery is still to be attempted (queued or in flight). */
    public boolean active() {
        return this == PENDING || this == IN_FLIGHT;
    }
}
