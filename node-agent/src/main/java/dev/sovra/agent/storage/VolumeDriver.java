package dev.sovra.agent.storage;

import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One storage backend on this node: makes, grows, clones and deletes volumes and images, and tells the
 * hypervisor how to attach a volume. Objects are named by the uid the controller gave them, so every
 * operation is idempotent: repeating it after a crash finds what the first attempt made.
 *
 * <p>An image is a frozen, full copy of a volume's content; a volume made from an image is a copy-on-write
 * clone of it, made in constant time whatever the image size. Sizes are in MiB.
 */
public interface VolumeDriver extends AutoCloseable {

    /** The backend name volumes and disks carry: {@code local} or {@code ceph}. */
    String backend();

    /**
     * Makes volume {@code uid} if it does not exist (empty and thin, or a clone of image {@code sourceImageUid}),
     * then grows it to {@code sizeMiB} if it is smaller. Never shrinks.
     *
     * @param sourceImageUid the image to clone from, or null for an empty volume
     * @return the volume's size after the call
     * @throws StorageException for which {@link StorageException#missingSource()} is true when the source image does not exist
     */
    long ensureVolume(String uid, long sizeMiB, String sourceImageUid);

    /** The size of volume {@code uid}, or empty if it does not exist. */
    OptionalLong volumeSize(String uid);

    /**
     * Deletes volume {@code uid}; nothing happens if it does not exist.
     *
     * @throws StorageInUseException if a guest still has it open
     */
    void deleteVolume(String uid);

    /**
     * Makes image {@code uid} as a copy of volume {@code sourceVolumeUid}'s current content, ready to be cloned.
     * An image that exists already is kept as it is (it is made once).
     *
     * @return the image size
     * @throws StorageException for which {@link StorageException#missingSource()} is true when the source volume does not exist
     */
    long ensureImage(String uid, String sourceVolumeUid);

    /**
     * Makes image {@code uid} from an image file (qcow2 or raw, detected), for the operator's import command.
     * An image that exists already is kept as it is.
     *
     * @param progress told the fraction done (0..1) now and then
     * @return the image size
     */
    long importImage(String uid, Path file, ImportProgress progress);

    /** The size of image {@code uid}, or empty if it does not exist. */
    OptionalLong imageSize(String uid);

    /**
     * Deletes image {@code uid}; nothing happens if it does not exist.
     *
     * @throws StorageInUseException while volumes cloned from it exist
     */
    void deleteImage(String uid);

    /** Uids of every volume this driver manages on its backend. */
    Set<String> listVolumes();

    /** Uids of every image this driver manages on its backend. */
    Set<String> listImages();

    /** How the hypervisor attaches volume {@code uid}. Does not check that it exists. */
    DiskSource diskSource(String uid);

    /** Space on the backend, for placement and reporting. */
    Capacity capacity();

    @Override
    void close();

    /** Fraction of an import done so far. */
    @FunctionalInterface
    interface ImportProgress {
        void done(double fraction);
    }

    /** Total and free space in MiB. */
    record Capacity(long totalMiB, long freeMiB) {}
}
