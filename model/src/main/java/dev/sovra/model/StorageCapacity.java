package dev.sovra.model;

import java.util.Objects;

/** Space of one storage backend as a node sees it (for Ceph: the pool's cluster), in MiB. */
public record StorageCapacity(String backend, long totalMiB, long freeMiB) {
    public StorageCapacity {
        Objects.requireNonNull(backend, "backend");
    }
}
