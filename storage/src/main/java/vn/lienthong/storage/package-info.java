/**
 * The appliance's store: one LMDB environment per directory holding the outbox and inbox queues
 * of every tenant and the registry. A write returns only once its transaction is committed to disk;
 * one writer thread commits all waiting writes together. Open it with
 * {@link vn.lienthong.storage.Storage#open}; the {@code lmdb} package is internal to this module.
 */
package vn.lienthong.storage;
