package dev.sovra.model;

import java.util.Objects;

/**
 * A volume attached to an instance. {@code name} is unique within the instance ({@code boot} for the boot
 * volume); the attachment order in {@link InstanceSpec#disks()} gives the guest device (vda, vdb, ...).
 *
 * @param volumeUid the {@link VolumeSpec#uid()} of the attached volume
 * @param backend the storage backend holding the volume ({@link VolumeSpec#backend()})
 */
public record DiskSpec(String name, String volumeUid, String backend) {
    public DiskSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(volumeUid, "volumeUid");
        Objects.requireNonNull(backend, "backend");
        if (!name.matches("[a-z0-9][a-z0-9-]{0,62}")) {
            throw new IllegalArgumentException("disk name must be a short lower-case token: " + name);
        }
    }
}
