package dev.sovra.agent.storage.rbd;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of {@link RbdVolumeDriver}.
 *
 * @param cephConf the cluster's ceph.conf (monitors, auth settings)
 * @param pool the RBD pool holding Sovra's volumes and images
 * @param user the cephx user without the {@code client.} prefix
 * @param keyring the keyring file holding the user's key
 * @param secretUuid the uuid of the libvirt secret that carries the same key to QEMU
 * @param qemuImg the {@code qemu-img} executable (with Debian's qemu-block-extra for {@code rbd:})
 * @param operationTimeout limit of one cluster operation (connect, monitor command, OSD op); without it
 *     librados waits forever for an unreachable cluster
 * @param copyTimeout limit of an import, which writes the whole image
 */
public record RbdVolumeDriverConfig(Path cephConf, String pool, String user, Path keyring, String secretUuid,
                                    String qemuImg, Duration operationTimeout, Duration copyTimeout) {

    public static final Path DEFAULT_CEPH_CONF = Path.of("/etc/ceph/ceph.conf");
    public static final String DEFAULT_QEMU_IMG = "qemu-img";
    public static final Duration DEFAULT_OPERATION_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_COPY_TIMEOUT = Duration.ofHours(2);

    public RbdVolumeDriverConfig {
        cephConf = cephConf == null ? DEFAULT_CEPH_CONF : cephConf;
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(secretUuid, "secretUuid");
        if (user.startsWith("client.")) {
            throw new IllegalArgumentException("cephx user is given without the 'client.' prefix, was " + user);
        }
        keyring = keyring == null ? Path.of("/etc/ceph/ceph.client." + user + ".keyring") : keyring;
        qemuImg = qemuImg == null || qemuImg.isBlank() ? DEFAULT_QEMU_IMG : qemuImg;
        operationTimeout = operationTimeout == null ? DEFAULT_OPERATION_TIMEOUT : operationTimeout;
        copyTimeout = copyTimeout == null ? DEFAULT_COPY_TIMEOUT : copyTimeout;
    }

    /** Defaults (/etc/ceph/ceph.conf, /etc/ceph/ceph.client.USER.keyring) for the given pool, user and secret. */
    public static RbdVolumeDriverConfig of(String pool, String user, String secretUuid) {
        return new RbdVolumeDriverConfig(null, pool, user, null, secretUuid, null, null, null);
    }

    public RbdVolumeDriverConfig withKeyring(Path file) {
        return new RbdVolumeDriverConfig(cephConf, pool, user, file, secretUuid, qemuImg, operationTimeout, copyTimeout);
    }
}
