package dev.sovra.agent.storage.local;

import static dev.sovra.agent.storage.StorageUids.requireCanonical;

import dev.sovra.agent.storage.DiskSource;
import dev.sovra.agent.storage.QemuImg;
import dev.sovra.agent.storage.StorageException;
import dev.sovra.agent.storage.StorageInUseException;
import dev.sovra.agent.storage.StorageUids;
import dev.sovra.agent.storage.UidLocks;
import dev.sovra.agent.storage.VolumeDriver;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code local} backend: volumes and images are qcow2 files on this node, made with {@code qemu-img}.
 * A volume made from an image is a qcow2 overlay with the image as its backing file (constant time); an
 * image is a full, read-only copy (0444) so nothing can write into a backing file, and it never depends on
 * the volume it came from.
 *
 * <p>Every file is first made under {@code <uid>.qcow2.tmp} and renamed into place, so a crash never leaves
 * a half-made file under a volume's or image's name; the next call for that uid removes the leftover.
 * The driver only ever touches files named {@code <uuid>.qcow2} (and their {@code .tmp}) in its two
 * directories.
 */
public final class LocalVolumeDriver implements VolumeDriver {
    private static final Logger log = LoggerFactory.getLogger(LocalVolumeDriver.class);

    private static final long MIB = 1024L * 1024L;
    private static final String EXTENSION = ".qcow2";
    private static final String TEMP_SUFFIX = ".tmp";
    // As LibvirtDriver's instance directories: QEMU (libvirt-qemu) may pass through but not list.
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwxr-x--x");
    // libvirt's dynamic ownership gives a volume to QEMU's user while a guest runs.
    private static final Set<PosixFilePermission> VOLUME_MODE = PosixFilePermissions.fromString("rw-rw----");
    // Backing files are never written, by anyone; world-readable so any QEMU user can open the chain.
    private static final Set<PosixFilePermission> IMAGE_MODE = PosixFilePermissions.fromString("r--r--r--");

    private final LocalVolumeDriverConfig config;
    private final QemuImg qemuImg;
    private final UidLocks locks = new UidLocks();

    public LocalVolumeDriver(LocalVolumeDriverConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.qemuImg = new QemuImg(config.qemuImg());
    }

    @Override
    public String backend() {
        return "local";
    }

    @Override
    public long ensureVolume(String uid, long sizeMiB, String sourceImageUid) {
        StorageUids.requireVolumeRequest(uid, sizeMiB, sourceImageUid);
        return locks.withLock(volumeKey(uid), () -> {
            prepareDirectories(uid);
            Path file = volumeFile(uid);
            deleteLeftover(uid, file);
            if (!Files.exists(file)) {
                if (sourceImageUid == null) {
                    createEmpty(uid, file, sizeMiB);
                } else {
                    // Under the image's lock: deleteImage cannot remove the image while the clone is made.
                    locks.withLock(imageKey(sourceImageUid), () -> createClone(uid, file, sourceImageUid));
                }
            }
            return grow(uid, file, sizeMiB);
        });
    }

    @Override
    public OptionalLong volumeSize(String uid) {
        return sizeOf(requireCanonical(uid), volumeFile(uid));
    }

    @Override
    public void deleteVolume(String uid) {
        requireCanonical(uid);
        locks.withLock(volumeKey(uid), () -> {
            Path file = volumeFile(uid);
            deleteLeftover(uid, file);
            if (!Files.exists(file)) {
                return;
            }
            // Without -U qemu-img takes QEMU's own image lock, which a running guest holds.
            QemuImg.Result check = qemuImg.execute(uid, "check volume is not in use", config.metadataTimeout(),
                    List.of("info", "--output=json", file.toString()), null);
            if (check.lockConflict()) {
                throw new StorageInUseException(uid, "volume " + uid + " is open by a running guest, not deleted: "
                        + check.stderr().strip());
            }
            if (!check.ok()) {
                log.warn("volume unreadable, deleting it anyway uid={} error={}", uid, check.stderr().strip());
            }
            delete(uid, file);
            log.info("volume deleted uid={}", uid);
        });
    }

    @Override
    public long ensureImage(String uid, String sourceVolumeUid) {
        requireCanonical(uid);
        requireCanonical(sourceVolumeUid);
        return locks.withLock(imageKey(uid), () -> {
            prepareDirectories(uid);
            Path file = imageFile(uid);
            deleteLeftover(uid, file);
            if (Files.exists(file)) {
                return requireSize(uid, file);
            }
            Path source = volumeFile(sourceVolumeUid);
            if (!Files.isRegularFile(source)) {
                throw StorageException.sourceMissing(uid, "cannot make image " + uid + ": source volume "
                        + sourceVolumeUid + " does not exist in " + config.volumesDir());
            }
            long started = System.nanoTime();
            Path temp = temp(file);
            // convert reads through the backing chain: the image stands alone. Without -U it refuses a volume
            // a guest is writing, whose copy would be torn.
            QemuImg.Result result = qemuImg.execute(uid, "copy volume " + sourceVolumeUid + " into image",
                    config.copyTimeout(), List.of("convert", "-f", "qcow2", "-O", "qcow2", source.toString(), temp.toString()),
                    null);
            if (!result.ok()) {
                deleteQuietly(temp);
                if (result.lockConflict()) {
                    throw new StorageInUseException(uid, "image " + uid + " waits: its source volume " + sourceVolumeUid
                            + " is open by a running guest, and a local image is copied from a volume no guest writes");
                }
                throw new StorageException(uid, "cannot make image " + uid + ": qemu-img convert exited with " + result.exitCode()
                        + ": " + result.stderr().strip());
            }
            publish(uid, temp, file, IMAGE_MODE);
            long sizeMiB = requireSize(uid, file);
            log.info("image created uid={} sourceVolume={} sizeMiB={} millis={}", uid, sourceVolumeUid, sizeMiB,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return sizeMiB;
        });
    }

    @Override
    public long importImage(String uid, Path source, ImportProgress progress) {
        requireCanonical(uid);
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(progress, "progress");
        return locks.withLock(imageKey(uid), () -> {
            prepareDirectories(uid);
            Path file = imageFile(uid);
            deleteLeftover(uid, file);
            if (Files.exists(file)) {
                return requireSize(uid, file);
            }
            if (!Files.isRegularFile(source)) {
                throw StorageException.sourceMissing(uid, "cannot import image " + uid + ": " + source + " is not a file");
            }
            String format = qemuImg.inspectImport(uid, source, config.metadataTimeout()).format();
            long started = System.nanoTime();
            Path temp = temp(file);
            try {
                qemuImg.convert(uid, "import image from " + source, config.copyTimeout(),
                        List.of("convert", "-p", "-f", format, "-O", "qcow2", source.toString(), temp.toString()), progress);
            } catch (StorageException e) {
                deleteQuietly(temp);
                throw e;
            }
            publish(uid, temp, file, IMAGE_MODE);
            progress.done(1.0);
            long sizeMiB = requireSize(uid, file);
            log.info("image imported uid={} file={} format={} sizeMiB={} millis={}", uid, source, format, sizeMiB,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return sizeMiB;
        });
    }

    @Override
    public OptionalLong imageSize(String uid) {
        return sizeOf(requireCanonical(uid), imageFile(uid));
    }

    @Override
    public void deleteImage(String uid) {
        requireCanonical(uid);
        locks.withLock(imageKey(uid), () -> {
            Path file = imageFile(uid);
            deleteLeftover(uid, file);
            if (!Files.exists(file)) {
                return;
            }
            List<String> clones = clonesOf(uid, file);
            if (!clones.isEmpty()) {
                throw new StorageInUseException(uid, "image " + uid + " has " + clones.size()
                        + " volume(s) cloned from it, not deleted: " + String.join(", ", clones.subList(0, Math.min(5, clones.size()))));
            }
            delete(uid, file);
            log.info("image deleted uid={}", uid);
        });
    }

    @Override
    public Set<String> listVolumes() {
        return listUids(config.volumesDir());
    }

    @Override
    public Set<String> listImages() {
        return listUids(config.imagesDir());
    }

    @Override
    public DiskSource diskSource(String uid) {
        return new DiskSource.File(volumeFile(requireCanonical(uid)), "qcow2");
    }

    @Override
    public Capacity capacity() {
        Path dir = config.stateDir();
        while (dir != null && !Files.exists(dir)) {
            dir = dir.getParent();
        }
        try {
            FileStore store = Files.getFileStore(dir == null ? Path.of("/") : dir);
            return new Capacity(store.getTotalSpace() / MIB, store.getUsableSpace() / MIB);
        } catch (IOException e) {
            throw new StorageException("", "cannot read the capacity of the file system of " + config.stateDir() + ": " + e, e);
        }
    }

    @Override
    public void close() {
        // holds no resources: every qemu-img run ends with its call
    }

    /** {@code <stateDir>/volumes/<uid>.qcow2}. */
    public Path volumeFile(String uid) {
        return config.volumesDir().resolve(uid + EXTENSION);
    }

    /** {@code <stateDir>/images/<uid>.qcow2}. */
    public Path imageFile(String uid) {
        return config.imagesDir().resolve(uid + EXTENSION);
    }

    private void createEmpty(String uid, Path file, long sizeMiB) {
        Path temp = temp(file);
        run(uid, temp, "create volume", List.of("create", "-q", "-f", "qcow2", temp.toString(), sizeMiB + "M"));
        publish(uid, temp, file, VOLUME_MODE);
        log.info("volume created uid={} sizeMiB={}", uid, sizeMiB);
    }

    private void createClone(String uid, Path file, String imageUid) {
        Path image = imageFile(imageUid);
        if (!Files.isRegularFile(image)) {
            throw StorageException.sourceMissing(uid, "cannot make volume " + uid + ": source image " + imageUid
                    + " does not exist in " + config.imagesDir());
        }
        Path temp = temp(file);
        // Absolute backing path with its format recorded: libvirt and QEMU never probe it.
        run(uid, temp, "clone volume from image " + imageUid,
                List.of("create", "-q", "-f", "qcow2", "-b", image.toString(), "-F", "qcow2", temp.toString()));
        publish(uid, temp, file, VOLUME_MODE);
        log.info("volume cloned uid={} image={}", uid, imageUid);
    }

    private long grow(String uid, Path file, long sizeMiB) {
        long current = header(uid, file).virtualSize();
        long wanted = sizeMiB * MIB;
        if (current >= wanted) {
            return current / MIB; // never shrink
        }
        QemuImg.Result result = qemuImg.execute(uid, "grow volume", config.metadataTimeout(),
                List.of("resize", "-q", "-f", "qcow2", file.toString(), String.valueOf(wanted)), null);
        if (!result.ok()) {
            if (result.lockConflict()) { // QEMU owns the image now: the hypervisor must grow it (blockResize)
                throw new StorageInUseException(uid, "cannot grow volume " + uid + " from " + current / MIB + " to " + sizeMiB
                        + " MiB here: a running guest has it open");
            }
            throw new StorageException(uid, "cannot grow volume " + uid + " from " + current / MIB + " to " + sizeMiB
                    + " MiB: qemu-img resize exited with " + result.exitCode() + ": " + result.stderr().strip());
        }
        log.info("volume grown uid={} fromMiB={} toMiB={}", uid, current / MIB, sizeMiB);
        return sizeMiB;
    }

    /** Runs a qemu-img command that writes {@code temp}; removes the temp file if it fails. */
    private void run(String uid, Path temp, String operation, List<String> args) {
        try {
            qemuImg.run(uid, operation, config.metadataTimeout(), args);
        } catch (StorageException e) {
            deleteQuietly(temp);
            throw e;
        }
    }

    /** Makes {@code temp} durable under its final name: mode, fsync, atomic rename, fsync of the directory. */
    private static void publish(String uid, Path temp, Path file, Set<PosixFilePermission> mode) {
        try {
            Files.setPosixFilePermissions(temp, mode);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.READ)) {
                channel.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(file.getParent());
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new StorageException(uid, "cannot move " + temp + " into place as " + file + ": " + e, e);
        }
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private List<String> clonesOf(String uid, Path image) {
        List<String> clones = new ArrayList<>();
        for (String volume : listVolumes()) {
            Path file = volumeFile(volume);
            try {
                var backing = Qcow2Header.read(file).backingFile();
                if (backing.isEmpty()) {
                    continue;
                }
                Path backingPath = config.volumesDir().resolve(backing.get()); // relative names are relative to the volume
                if (Files.exists(backingPath) && Files.isSameFile(backingPath, image)) {
                    clones.add(volume);
                }
            } catch (NoSuchFileException e) {
                // deleted meanwhile
            } catch (IOException e) {
                log.warn("cannot read volume header while checking clones of image uid={} volume={} error={}", uid, volume, e.toString());
            }
        }
        return clones;
    }

    private static OptionalLong sizeOf(String uid, Path file) {
        try {
            return OptionalLong.of(Qcow2Header.read(file).virtualSize() / MIB);
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (IOException e) {
            throw new StorageException(uid, "cannot read the size of " + file + ": " + e, e);
        }
    }

    private static long requireSize(String uid, Path file) {
        return header(uid, file).virtualSize() / MIB;
    }

    private static Qcow2Header header(String uid, Path file) {
        try {
            return Qcow2Header.read(file);
        } catch (IOException e) {
            throw new StorageException(uid, "cannot read the qcow2 header of " + file + ": " + e, e);
        }
    }

    private static Set<String> listUids(Path dir) {
        Set<String> uids = new HashSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*" + EXTENSION)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                String uid = name.substring(0, name.length() - EXTENSION.length());
                if (StorageUids.isCanonical(uid) && Files.isRegularFile(entry)) {
                    uids.add(uid);
                }
            }
        } catch (NoSuchFileException e) {
            return Set.of();
        } catch (IOException e) {
            throw new StorageException("", "cannot list " + dir + ": " + e, e);
        }
        return Set.copyOf(uids);
    }

    private void prepareDirectories(String uid) {
        try {
            Files.createDirectories(config.stateDir());
            Set<PosixFilePermission> stateMode = new HashSet<>(Files.getPosixFilePermissions(config.stateDir()));
            if (stateMode.add(PosixFilePermission.OTHERS_EXECUTE)) {
                Files.setPosixFilePermissions(config.stateDir(), stateMode);
            }
            for (Path dir : List.of(config.volumesDir(), config.imagesDir())) {
                Files.createDirectories(dir);
                if (!Files.getPosixFilePermissions(dir).equals(DIR_MODE)) {
                    Files.setPosixFilePermissions(dir, DIR_MODE);
                }
            }
        } catch (IOException e) {
            throw new StorageException(uid, "cannot prepare storage directories in " + config.stateDir() + ": " + e, e);
        }
    }

    private static void deleteLeftover(String uid, Path file) {
        Path temp = temp(file);
        try {
            if (Files.deleteIfExists(temp)) {
                log.info("leftover temporary file removed uid={} file={}", uid, temp);
            }
        } catch (IOException e) {
            throw new StorageException(uid, "cannot remove leftover " + temp + ": " + e, e);
        }
    }

    private static void delete(String uid, Path file) {
        try {
            Files.deleteIfExists(file);
            syncDirectory(file.getParent());
        } catch (IOException e) {
            throw new StorageException(uid, "cannot delete " + file + ": " + e, e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("cannot remove temporary file file={} error={}", file, e.toString());
        }
    }

    private static Path temp(Path file) {
        return file.resolveSibling(file.getFileName() + TEMP_SUFFIX);
    }

    private static String volumeKey(String uid) {
        return "volume/" + uid;
    }

    private static String imageKey(String uid) {
        return "image/" + uid;
    }
}
