package vn.lienthong.storage.queue;

/** The outcome of a durable put: newly stored, or a message id seen before (nothing changed). */
public sealed interface PutResult<E> {
    record Accepted<E>(E entry) implements PutResult<E> {
    }

    record Duplicate<E>(E existing) implements PutResult<E> {
    }
}
