package dev.sovra.model;

import java.util.Objects;

/**
 * A volume a node must hold, or must remove: the storage counterpart of {@link InstanceSpec}. Volumes are
 * named by uid on the backend, so re-creating after a crash finds the volume made before it.
 *
 * @param uid stable identity; the backend object name derives from it
 * @param ref the SECA path of the block storage, for logs and reports
 * @param backend {@code local} (a file on the node) or {@code ceph} (an RBD image)
 * @param sizeMiB the size the volume must have at least; volumes grow, never shrink
 * @param sourceImageUid the image the volume is a copy-on-write clone of, or null for an empty volume
 * @param present false asks the node to delete the volume (a tombstone kept until the node reports it gone)
 */
public record VolumeSpec(String uid, String ref, String backend, long sizeMiB, String sourceImageUid, boolean present) {
    public VolumeSpec {
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(backend, "backend");
        if (present && sizeMiB < 1) {
            throw new IllegalArgumentException("volume " + ref + " needs a size of at least 1 MiB, was " + sizeMiB);
        }
    }
}
