package dev.sovra.agent.storage;

/** A delete was refused because a guest has the volume open, or clones of the image exist. */
public final class StorageInUseException extends StorageException {
    public StorageInUseException(String uid, String message) {
        super(uid, message);
    }
}
