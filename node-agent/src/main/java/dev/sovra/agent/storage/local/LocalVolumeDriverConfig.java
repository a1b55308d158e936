package dev.sovra.agent.storage.local;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Settings of {@link LocalVolumeDriver}.
 *
 * @param stateDir the agent's state directory; volumes live in {@code <stateDir>/volumes/<uid>.qcow2} and
 *     images in {@code <stateDir>/images/<uid>.qcow2}
 * @param qemuImg the {@code qemu-img} executable
 * @param metadataTimeout limit of the quick qemu-img calls (create, resize, info)
 * @param copyTimeout limit of a full copy ({@code convert}), which reads the whole volume or image file
 */
public record LocalVolumeDriverConfig(Path stateDir, String qemuImg, Duration metadataTimeout, Duration copyTimeout) {

    public static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/sovra/agent");
    public static final String DEFAULT_QEMU_IMG = "qemu-img";
    public static final Duration DEFAULT_METADATA_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_COPY_TIMEOUT = Duration.ofHours(2);

    public LocalVolumeDriverConfig {
        stateDir = stateDir == null ? DEFAULT_STATE_DIR : stateDir.toAbsolutePath().normalize();
        qemuImg = qemuImg == null || qemuImg.isBlank() ? DEFAULT_QEMU_IMG : qemuImg;
        metadataTimeout = metadataTimeout == null ? DEFAULT_METADATA_TIMEOUT : metadataTimeout;
        copyTimeout = copyTimeout == null ? DEFAULT_COPY_TIMEOUT : copyTimeout;
    }

    /** Defaults with the given state directory. */
    public static LocalVolumeDriverConfig of(Path stateDir) {
        return new LocalVolumeDriverConfig(stateDir, null, null, null);
    }

    public Path volumesDir() {
        return stateDir.resolve("volumes");
    }

    public Path imagesDir() {
        return stateDir.resolve("images");
    }
}
