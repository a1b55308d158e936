package dev.sovra.model;

import java.util.Objects;

/**
 * An image a node must hold (or remove): a frozen copy of a volume's content that volumes are cloned from.
 *
 * @param sourceVolumeUid the volume whose content the image is made from (copied once, at creation)
 * @param present false asks the node to delete the image
 */
public record ImageSpec(String uid, String ref, String backend, String sourceVolumeUid, boolean present) {
    public ImageSpec {
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(backend, "backend");
    }
}
