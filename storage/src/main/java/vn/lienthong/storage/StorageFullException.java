package vn.lienthong.storage;

/** The map or the disk is full: nothing of the refused write was stored, nothing earlier is lost. */
public class StorageFullException extends RuntimeException {
    public StorageFullException(String message, Throwable cause) {
        super(message, cause);
    }
}
