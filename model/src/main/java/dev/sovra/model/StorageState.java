package dev.sovra.model;

/** What a node sees of one volume or image it was asked to hold or remove. */
public enum StorageState {
    /** Exists with at least the desired size. */
    READY,
    /** Cannot be made yet: its source (image or volume) does not exist on the backend yet. */
    WAITING,
    /** Should be removed but is still attached to a guest (or, for an image, still has clones). */
    IN_USE,
    /** Does not exist (deleted, or never made). */
    ABSENT,
    /** The last attempt failed; the message says why. Retried every pass. */
    FAILED
}
