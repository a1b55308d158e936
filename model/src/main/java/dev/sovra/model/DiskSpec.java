package dev.sovra.model;

import java.util.Objects;

/**
 * A disk of an instance. {@code name} is unique within the instance and becomes part of the
 * backing file or volume name; the first disk is the boot disk when there is no kernel boot.
 */
public record DiskSpec(String name, long sizeMiB) {
    public DiskSpec {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[a-z0-9][a-z0-9-]{0,62}")) {
            throw new IllegalArgumentException("disk name must be a short lower-case token: " + name);
        }
        if (sizeMiB < 1) {
            throw new IllegalArgumentException("disk " + name + " size must be at least 1 MiB, was " + sizeMiB);
        }
    }
}
