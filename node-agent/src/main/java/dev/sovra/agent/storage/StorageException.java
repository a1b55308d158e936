package dev.sovra.agent.storage;

/** A storage operation failed; the message names the object and the backend's reason. */
public class StorageException extends RuntimeException {
    private final String uid;
    private final boolean missingSource;

    public StorageException(String uid, String message, Throwable cause) {
        this(uid, message, false, cause);
    }

    public StorageException(String uid, String message) {
        this(uid, message, false, null);
    }

    protected StorageException(String uid, String message, boolean missingSource, Throwable cause) {
        super(message, cause);
        this.uid = uid;
        this.missingSource = missingSource;
    }

    /** The object cannot be made because its source (image or volume) does not exist (yet). */
    public static StorageException sourceMissing(String uid, String message) {
        return new StorageException(uid, message, true, null);
    }

    public String uid() {
        return uid;
    }

    /** True when the failure is a missing source, which the next pass may find. */
    public boolean missingSource() {
        return missingSource;
    }
}
