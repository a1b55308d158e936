package dev.sovra.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A node's report about one volume or image.
 *
 * @param sizeMiB the size on the backend, 0 when absent
 * @param message human-readable detail of a failure or of why the object is in use; empty when all is well
 */
public record StorageObservation(String uid, String ref, StorageState state, long sizeMiB, String message, Instant observedAt) {
    public StorageObservation {
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(state, "state");
        message = message == null ? "" : message;
        observedAt = observedAt == null ? Instant.now() : observedAt;
    }
}
