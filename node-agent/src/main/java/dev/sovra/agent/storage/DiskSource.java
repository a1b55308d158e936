package dev.sovra.agent.storage;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/** Where a guest's disk comes from, as the hypervisor must be told. */
public sealed interface DiskSource {

    /** A file on this node. @param format the QEMU format ({@code qcow2} or {@code raw}) */
    record File(Path path, String format) implements DiskSource {
        public File {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(format, "format");
        }
    }

    /**
     * An RBD image reached through librbd in QEMU.
     *
     * @param monitors {@code host:port} of the Ceph monitors
     */
    record Rbd(String pool, String image, List<String> monitors, CephAuth auth) implements DiskSource {
        public Rbd {
            Objects.requireNonNull(pool, "pool");
            Objects.requireNonNull(image, "image");
            monitors = List.copyOf(monitors);
            Objects.requireNonNull(auth, "auth");
        }
    }

    /**
     * The cephx identity QEMU uses. The key goes into a libvirt secret with uuid {@code secretUuid}, never into
     * a domain definition or a log; {@link #toString()} leaves it out.
     *
     * @param user the cephx user without the {@code client.} prefix
     * @param key the base64 cephx key
     */
    record CephAuth(String user, String secretUuid, String key) {
        public CephAuth {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(secretUuid, "secretUuid");
            Objects.requireNonNull(key, "key");
        }

        @Override
        public String toString() {
            return "CephAuth[user=" + user + ", secretUuid=" + secretUuid + ", key=<redacted>]";
        }
    }
}
