package dev.sovra.model;

import java.time.Instant;
import java.util.Objects;

/** The server-kept bookkeeping of a stored resource (SECA ModificationMetadata). */
public record ResourceMetadata(Instant createdAt, Instant lastModifiedAt, long resourceVersion, Instant deletedAt) {
    public ResourceMetadata {
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(lastModifiedAt, "lastModifiedAt");
    }

    public static ResourceMetadata created(Instant now) {
        return new ResourceMetadata(now, now, 1, null);
    }

    public ResourceMetadata modified(Instant now) {
        return new ResourceMetadata(createdAt, now, resourceVersion + 1, deletedAt);
    }

    public ResourceMetadata markDeleted(Instant now) {
        return new ResourceMetadata(createdAt, now, resourceVersion + 1, deletedAt == null ? now : deletedAt);
    }

    public boolean deleting() {
        return deletedAt != null;
    }
}
