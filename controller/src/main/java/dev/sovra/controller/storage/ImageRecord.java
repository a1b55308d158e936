package dev.sovra.controller.storage;

import dev.sovra.model.ImageSpec;
import dev.sovra.model.StorageObservation;
import dev.sovra.model.StorageState;
import java.time.Instant;
import java.util.Objects;

/**
 * The controller's record of one image's data: a copy of a volume's content made once, that volumes are
 * cloned from. Like {@link VolumeRecord} it outlives the SECA resource, and it stays while volumes cloned
 * from it exist (their data depends on it), so deleting an image never breaks a volume.
 */
public record ImageRecord(String uid, String ref, String backend, String nodeId, String sourceVolumeUid, String importFile,
                          boolean present, StorageObservation observed, Instant createdAt) {
    public ImageRecord {
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    public ImageSpec spec() {
        return new ImageSpec(uid, ref, backend, sourceVolumeUid, importFile, present);
    }

    public ImageRecord withNode(String node) {
        return new ImageRecord(uid, ref, backend, node, sourceVolumeUid, importFile, present, observed, createdAt);
    }

    public ImageRecord tombstone() {
        return new ImageRecord(uid, ref, backend, nodeId, sourceVolumeUid, importFile, false, observed, createdAt);
    }

    public ImageRecord withObserved(StorageObservation observation) {
        return new ImageRecord(uid, ref, backend, nodeId, sourceVolumeUid, importFile, present, observation, createdAt);
    }

    public boolean ready() {
        return present && observed != null && observed.state() == StorageState.READY;
    }

    public boolean gone() {
        return !present && observed != null && observed.state() == StorageState.ABSENT;
    }
}
