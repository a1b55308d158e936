package dev.sovra.model;

import java.util.Objects;

/**
 * An image a node must hold (or remove): a frozen copy of content that volumes are cloned from, made once,
 * either from a volume or, for an operator's import, from an image file on the node.
 *
 * @param sourceVolumeUid the volume whose content the image is made from, or null for an import
 * @param importFile the image file (qcow2 or raw) on the node to import, or null when made from a volume
 * @param present false asks the node to delete the image
 */
public record ImageSpec(String uid, String ref, String backend, String sourceVolumeUid, String importFile, boolean present) {
    public ImageSpec {
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(backend, "backend");
    }
}
