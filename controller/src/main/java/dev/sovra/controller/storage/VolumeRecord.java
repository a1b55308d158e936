package dev.sovra.controller.storage;

import dev.sovra.model.StorageObservation;
import dev.sovra.model.StorageState;
import dev.sovra.model.VolumeSpec;
import java.time.Instant;
import java.util.Objects;

/**
 * The controller's record of one volume: the data-plane side of a block storage. It outlives the SECA
 * resource: deleting a block storage turns it into a tombstone ({@code present=false}) that is removed only
 * when the managing node reports the volume gone, so a crash never leaves a volume nobody remembers.
 *
 * @param nodeId the node that makes, grows and deletes the volume: for {@code local}, the node holding its
 *     data (fixed once chosen); for {@code ceph}, any ready node with the backend (rebound when it goes down)
 * @param observed the managing node's last report, or null before the first one
 */
public record VolumeRecord(String uid, String ref, String backend, String nodeId, long sizeMiB, String sourceImageUid,
                           boolean present, StorageObservation observed, Instant createdAt) {
    public VolumeRecord {
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    public VolumeSpec spec() {
        return new VolumeSpec(uid, ref, backend, sizeMiB, sourceImageUid, present);
    }

    public VolumeRecord withNode(String node) {
        return new VolumeRecord(uid, ref, backend, node, sizeMiB, sourceImageUid, present, observed, createdAt);
    }

    public VolumeRecord withSize(long size) {
        return new VolumeRecord(uid, ref, backend, nodeId, size, sourceImageUid, present, observed, createdAt);
    }

    public VolumeRecord tombstone() {
        return new VolumeRecord(uid, ref, backend, nodeId, sizeMiB, sourceImageUid, false, observed, createdAt);
    }

    public VolumeRecord withObserved(StorageObservation observation) {
        return new VolumeRecord(uid, ref, backend, nodeId, sizeMiB, sourceImageUid, present, observation, createdAt);
    }

    /** The volume exists with at least its desired size. */
    public boolean ready() {
        return present && observed != null && observed.state() == StorageState.READY && observed.sizeMiB() >= sizeMiB;
    }

    /** The tombstone's work is done: the volume is gone from its backend. */
    public boolean gone() {
        return !present && observed != null && observed.state() == StorageState.ABSENT;
    }
}
