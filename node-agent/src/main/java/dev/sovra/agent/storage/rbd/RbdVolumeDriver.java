package dev.sovra.agent.storage.rbd;

import static dev.sovra.agent.storage.StorageUids.requireCanonical;

import com.ceph.rados.IoCTX;
import com.ceph.rados.Rados;
import com.ceph.rados.exceptions.ErrorCode;
import com.ceph.rados.exceptions.RadosException;
import com.ceph.rbd.Rbd;
import com.ceph.rbd.RbdException;
import com.ceph.rbd.RbdImage;
import com.ceph.rbd.jna.RbdSnapInfo;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sovra.agent.storage.DiskSource;
import dev.sovra.agent.storage.QemuImg;
import dev.sovra.agent.storage.StorageException;
import dev.sovra.agent.storage.StorageInUseException;
import dev.sovra.agent.storage.StorageUids;
import dev.sovra.agent.storage.UidLocks;
import dev.sovra.agent.storage.VolumeDriver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code ceph} backend: volumes and images are RBD images in one pool, through librados/librbd
 * (rados-java over JNA). Volume {@code uid} is {@code sovra-vol-<uid>}, image {@code uid} is
 * {@code sovra-img-<uid>} with one protected snapshot {@code base} that volumes are cloned from (constant
 * time, copy-on-write). Images and volumes have only the layering feature: QEMU opens them and they can be
 * cloned.
 *
 * <p>Everything is made under a {@code .tmp} name and renamed last, so a name without {@code .tmp} always
 * is complete; the next call for the uid finishes or removes what a crash left. An image is copied from a
 * snapshot of its volume, so it is one point in time even while a guest writes the volume.
 *
 * <p>One librados connection, opened at the first call and reopened after an error that says it is gone
 * (timeout, shut down, refused credentials). Calls for different objects run in parallel; calls for one
 * object are serialised.
 */
public final class RbdVolumeDriver implements VolumeDriver {
    private static final Logger log = LoggerFactory.getLogger(RbdVolumeDriver.class);

    static final String VOLUME_PREFIX = "sovra-vol-";
    static final String IMAGE_PREFIX = "sovra-img-";
    static final String TEMP_SUFFIX = ".tmp";
    static final String BASE_SNAPSHOT = "base";
    private static final String COPY_SNAPSHOT_PREFIX = "sovra-copy-";
    private static final long MIB = 1024L * 1024L;
    private static final long FEATURE_LAYERING = 1L; // RBD_FEATURE_LAYERING
    private static final int DEFAULT_ORDER = 0; // librbd's default: 4 MiB objects

    private static final int ENOENT = 2;
    private static final int EBUSY = 16;
    private static final int ENOTEMPTY = 39;
    /** Errors after which the connection is not trusted any more: the next call opens a new one. */
    private static final Set<Integer> CONNECTION_ERRORS = Set.of(
            1 /* EPERM */, 13 /* EACCES */, 107 /* ENOTCONN */, 108 /* ESHUTDOWN, also "blocklisted" */,
            110 /* ETIMEDOUT */, 111 /* ECONNREFUSED */, 127 /* EKEYEXPIRED */);

    private final RbdVolumeDriverConfig config;
    private final QemuImg qemuImg;
    private final UidLocks locks = new UidLocks();
    // Calls hold the read lock while they use the connection; replacing or closing it takes the write lock,
    // so no native handle is freed under a running call.
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private Connection connection;
    private boolean closed;

    public RbdVolumeDriver(RbdVolumeDriverConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.qemuImg = new QemuImg(config.qemuImg());
    }

    @Override
    public String backend() {
        return "ceph";
    }

    @Override
    public long ensureVolume(String uid, long sizeMiB, String sourceImageUid) {
        StorageUids.requireVolumeRequest(uid, sizeMiB, sourceImageUid);
        String name = volumeName(uid);
        String temp = name + TEMP_SUFFIX;
        return locks.withLock(volumeKey(uid), () -> {
            boolean exists = call(uid, "look up volume", name, c -> {
                if (exists(c, name)) {
                    return true;
                }
                removeIfExists(c, temp); // left by a crash; as a clone it would keep its image from being deleted
                return false;
            });
            if (!exists) {
                if (sourceImageUid == null) {
                    call(uid, "create volume", temp, c -> {
                        c.rbd.create(temp, sizeMiB * MIB, FEATURE_LAYERING, DEFAULT_ORDER);
                        c.rbd.rename(temp, name);
                        return null;
                    });
                    log.info("volume created uid={} image={} sizeMiB={}", uid, name, sizeMiB);
                } else {
                    // Under the image's lock: deleteImage cannot remove the image while the clone is made.
                    locks.withLock(imageKey(sourceImageUid), () -> cloneVolume(uid, name, sourceImageUid));
                }
            }
            return grow(uid, name, sizeMiB);
        });
    }

    private void cloneVolume(String uid, String name, String imageUid) {
        String image = imageName(imageUid);
        String temp = name + TEMP_SUFFIX;
        call(uid, "clone volume from " + image + "@" + BASE_SNAPSHOT, temp, c -> {
            try (RbdImage parent = openReadOnlyIfExists(c, image)) {
                if (parent == null) {
                    throw StorageException.sourceMissing(uid, "cannot make volume " + uid + ": source image " + imageUid
                            + " (" + image + ") does not exist in pool " + config.pool());
                }
                if (!hasSnapshot(parent, BASE_SNAPSHOT) || !parent.snapIsProtected(BASE_SNAPSHOT)) {
                    throw new StorageException(uid, "cannot make volume " + uid + ": image " + image
                            + " has no protected snapshot '" + BASE_SNAPSHOT + "' to clone from");
                }
            }
            c.rbd.clone(image, BASE_SNAPSHOT, c.io, temp, FEATURE_LAYERING, DEFAULT_ORDER);
            c.rbd.rename(temp, name);
            return null;
        });
        log.info("volume cloned uid={} image={} sourceImage={}", uid, name, imageUid);
    }

    private long grow(String uid, String name, long sizeMiB) {
        return call(uid, "grow volume", name, c -> {
            long wanted = sizeMiB * MIB;
            long current;
            try (RbdImage image = c.rbd.openReadOnly(name)) {
                current = image.stat().size;
            }
            if (current >= wanted) {
                return current / MIB; // never shrink
            }
            try (RbdImage image = c.rbd.open(name)) {
                image.resize(wanted); // a guest that has it open is told by librbd
            }
            log.info("volume grown uid={} fromMiB={} toMiB={}", uid, current / MIB, sizeMiB);
            return sizeMiB;
        });
    }

    @Override
    public OptionalLong volumeSize(String uid) {
        String name = volumeName(requireCanonical(uid));
        return call(uid, "read volume size", name, c -> sizeMiB(c, name));
    }

    @Override
    public void deleteVolume(String uid) {
        String name = volumeName(requireCanonical(uid));
        locks.withLock(volumeKey(uid), () -> call(uid, "delete volume", name, c -> {
            removeIfExists(c, name + TEMP_SUFFIX);
            try {
                if (!removeIfExists(c, name)) {
                    return null;
                }
            } catch (RbdException e) {
                if (-e.getReturnValue() == EBUSY) {
                    throw inUse(uid, name, e);
                }
                if (-e.getReturnValue() != ENOTEMPTY) {
                    throw e;
                }
                // Snapshots block the removal: ours are left by an interrupted ensureImage; others are not ours to drop.
                removeCopySnapshots(c, name);
                try {
                    removeIfExists(c, name);
                } catch (RbdException again) {
                    if (-again.getReturnValue() == EBUSY) {
                        throw inUse(uid, name, again);
                    }
                    throw again;
                }
            }
            log.info("volume deleted uid={} image={}", uid, name);
            return null;
        }));
    }

    private StorageInUseException inUse(String uid, String name, RbdException e) {
        return new StorageInUseException(uid, "volume " + uid + " (" + config.pool() + "/" + name
                + ") is open by a guest (the image has watchers), not deleted: " + describe(e.getReturnValue()));
    }

    @Override
    public long ensureImage(String uid, String sourceVolumeUid) {
        requireCanonical(uid);
        requireCanonical(sourceVolumeUid);
        String name = imageName(uid);
        String temp = name + TEMP_SUFFIX;
        String source = volumeName(sourceVolumeUid);
        return locks.withLock(imageKey(uid), () -> call(uid, "make image from volume " + sourceVolumeUid, name, c -> {
            OptionalLong finished = finishEarlierAttempt(c, uid, name);
            if (finished.isPresent()) {
                return finished.getAsLong();
            }
            long started = System.nanoTime();
            String snapshot = COPY_SNAPSHOT_PREFIX + uid;
            // A snapshot of the volume: the copy is one point in time even while a guest writes the volume.
            try (RbdImage volume = openIfExists(c, source)) {
                if (volume == null) {
                    throw StorageException.sourceMissing(uid, "cannot make image " + uid + ": source volume "
                            + sourceVolumeUid + " (" + source + ") does not exist in pool " + config.pool());
                }
                if (hasSnapshot(volume, snapshot)) {
                    volume.snapRemove(snapshot); // left by an interrupted attempt: take a fresh one
                }
                volume.snapCreate(snapshot);
            }
            try (RbdImage from = c.rbd.openReadOnly(source, snapshot)) {
                c.rbd.create(temp, from.stat().size, FEATURE_LAYERING, DEFAULT_ORDER);
                try (RbdImage to = c.rbd.open(temp)) {
                    c.rbd.copy(from, to); // sparse: extents never written stay unallocated
                    // The snapshot marks the copy complete; finishEarlierAttempt relies on that.
                    to.snapCreate(BASE_SNAPSHOT);
                    to.snapProtect(BASE_SNAPSHOT);
                }
            } catch (RbdException e) {
                removeQuietly(c, uid, temp); // a failed copy's space is given back now, not at the next call
                throw e;
            } finally {
                removeSnapshotQuietly(c, uid, source, snapshot);
            }
            c.rbd.rename(temp, name);
            long sizeMiB = sizeMiB(c, name).orElseThrow();
            log.info("image created uid={} image={} sourceVolume={} sizeMiB={} millis={}", uid, name, sourceVolumeUid,
                    sizeMiB, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return sizeMiB;
        }));
    }

    @Override
    public long importImage(String uid, Path file, ImportProgress progress) {
        requireCanonical(uid);
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(progress, "progress");
        String name = imageName(uid);
        String temp = name + TEMP_SUFFIX;
        return locks.withLock(imageKey(uid), () -> {
            OptionalLong finished = call(uid, "look up image", name, c -> finishEarlierAttempt(c, uid, name));
            if (finished.isPresent()) {
                return finished.getAsLong();
            }
            if (!Files.isRegularFile(file)) {
                throw StorageException.sourceMissing(uid, "cannot import image " + uid + ": " + file + " is not a file");
            }
            QemuImg.ImageFile source = qemuImg.inspectImport(uid, file, config.operationTimeout());
            long started = System.nanoTime();
            call(uid, "create image for import", temp, c -> {
                c.rbd.create(temp, source.virtualSize(), FEATURE_LAYERING, DEFAULT_ORDER);
                return null;
            });
            // qemu-img reads qcow2 and raw and writes through librbd itself; the connection lock is not held
            // meanwhile. -n: write into the image just made (layering only); --target-is-zero: skip zeros.
            try {
                qemuImg.convert(uid, "import image from " + file, config.copyTimeout(), List.of("convert", "-p", "-n",
                        "--target-is-zero", "-f", source.format(), "-O", "raw", file.toString(), qemuTarget(temp)), progress);
            } catch (StorageException e) {
                try {
                    call(uid, "remove half-imported image", temp, c -> removeWithSnapshots(c, temp));
                } catch (StorageException cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw e;
            }
            long sizeMiB = call(uid, "finish imported image", temp, c -> {
                try (RbdImage image = c.rbd.open(temp)) {
                    image.snapCreate(BASE_SNAPSHOT);
                    image.snapProtect(BASE_SNAPSHOT);
                }
                c.rbd.rename(temp, name);
                return sizeMiB(c, name).orElseThrow();
            });
            progress.done(1.0);
            log.info("image imported uid={} image={} file={} format={} sizeMiB={} millis={}", uid, name, file,
                    source.format(), sizeMiB, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            return sizeMiB;
        });
    }

    /**
     * Converges on what an earlier call for image {@code name} left: the size (MiB) if the image is there (or a
     * complete copy only missed its rename), empty if it must be made (a half-made copy is removed).
     */
    private OptionalLong finishEarlierAttempt(Connection c, String uid, String name) throws RbdException {
        boolean complete;
        try (RbdImage image = openReadOnlyIfExists(c, name)) {
            if (image == null) {
                complete = false;
            } else if (hasSnapshot(image, BASE_SNAPSHOT) && image.snapIsProtected(BASE_SNAPSHOT)) {
                return OptionalLong.of(image.stat().size / MIB);
            } else {
                complete = true; // renamed, so copied: only the snapshot is missing (made by hand?)
            }
        }
        if (complete) {
            try (RbdImage image = c.rbd.open(name)) {
                protectBase(image);
                return OptionalLong.of(image.stat().size / MIB);
            }
        }
        String temp = name + TEMP_SUFFIX;
        boolean copied;
        try (RbdImage half = openIfExists(c, temp)) {
            if (half == null) {
                return OptionalLong.empty();
            }
            copied = hasSnapshot(half, BASE_SNAPSHOT); // taken only once the copy was complete
            if (copied) {
                protectBase(half);
            }
        }
        if (!copied) {
            removeWithSnapshots(c, temp);
            log.info("half-made image removed uid={} image={}", uid, temp);
            return OptionalLong.empty();
        }
        c.rbd.rename(temp, name);
        log.info("image finished after an interrupted attempt uid={} image={}", uid, name);
        return sizeMiB(c, name);
    }

    @Override
    public OptionalLong imageSize(String uid) {
        String name = imageName(requireCanonical(uid));
        return call(uid, "read image size", name, c -> sizeMiB(c, name));
    }

    @Override
    public void deleteImage(String uid) {
        String name = imageName(requireCanonical(uid));
        locks.withLock(imageKey(uid), () -> call(uid, "delete image", name, c -> {
            removeWithSnapshots(c, name + TEMP_SUFFIX); // a half-made copy has no clones
            List<String> clones = new ArrayList<>();
            try (RbdImage image = openReadOnlyIfExists(c, name)) {
                if (image == null) {
                    return null;
                }
                if (hasSnapshot(image, BASE_SNAPSHOT)) {
                    clones.addAll(children(c, uid, name));
                }
            }
            if (!clones.isEmpty()) {
                throw new StorageInUseException(uid, "image " + uid + " (" + config.pool() + "/" + name + ") has "
                        + clones.size() + " clone(s), not deleted: " + String.join(", ", clones.subList(0, Math.min(5, clones.size()))));
            }
            try {
                removeWithSnapshots(c, name);
            } catch (RbdException e) {
                if (-e.getReturnValue() == EBUSY) { // a clone appeared since the check (another node), or a watcher
                    throw new StorageInUseException(uid, "image " + uid + " (" + config.pool() + "/" + name
                            + ") is in use, not deleted: " + describe(e.getReturnValue()));
                }
                throw e;
            }
            log.info("image deleted uid={} image={}", uid, name);
            return null;
        }));
    }

    /** Clones of {@code name@base} as {@code pool/image}, after removing temporary clones a crash left. */
    private List<String> children(Connection c, String uid, String name) throws RbdException {
        List<String> children;
        try (RbdImage snapshot = c.rbd.openReadOnly(name, BASE_SNAPSHOT)) {
            children = snapshot.listChildren(BASE_SNAPSHOT);
        }
        List<String> clones = new ArrayList<>();
        for (String child : children) {
            String prefix = config.pool() + "/";
            String childName = child.startsWith(prefix) ? child.substring(prefix.length()) : null;
            if (childName != null && childName.startsWith(VOLUME_PREFIX) && childName.endsWith(TEMP_SUFFIX)
                    && StorageUids.isCanonical(childName.substring(VOLUME_PREFIX.length(), childName.length() - TEMP_SUFFIX.length()))) {
                removeIfExists(c, childName);
                log.info("leftover temporary clone removed uid={} image={}", uid, childName);
            } else {
                clones.add(child);
            }
        }
        return clones;
    }

    @Override
    public Set<String> listVolumes() {
        return listUids(VOLUME_PREFIX);
    }

    @Override
    public Set<String> listImages() {
        return listUids(IMAGE_PREFIX);
    }

    private Set<String> listUids(String prefix) {
        String[] names = call("", "list images", config.pool(), c -> c.rbd.list());
        Set<String> uids = new HashSet<>();
        for (String name : names) {
            if (name.startsWith(prefix) && StorageUids.isCanonical(name.substring(prefix.length()))) {
                uids.add(name.substring(prefix.length()));
            }
        }
        return Set.copyOf(uids);
    }

    @Override
    public DiskSource diskSource(String uid) {
        String name = volumeName(requireCanonical(uid));
        try {
            List<String> monitors = CephFiles.monitors(config.cephConf(), config.user());
            String key = CephFiles.key(config.keyring(), config.user());
            return new DiskSource.Rbd(config.pool(), name, monitors,
                    new DiskSource.CephAuth(config.user(), config.secretUuid(), key));
        } catch (IOException e) {
            // the message names files only, never a key
            throw new StorageException(uid, "cannot describe volume " + uid + " for the hypervisor: " + e.getMessage(), e);
        }
    }

    @Override
    public Capacity capacity() {
        return call("", "read pool capacity", config.pool(), c -> {
            String out = c.rados.executeRadosMonCommand(new String[] {"{\"prefix\": \"df\", \"format\": \"json\"}"}, "").getOutput();
            for (JsonNode pool : QemuImg.parseJson("", "read pool capacity", out).path("pools")) {
                if (pool.path("name").asText().equals(config.pool())) {
                    // max_avail already counts replication and the full ratio: what volumes can still use
                    long free = pool.path("stats").path("max_avail").asLong();
                    long stored = pool.path("stats").path("stored").asLong();
                    return new Capacity((stored + free) / MIB, free / MIB);
                }
            }
            throw new StorageException("", "pool " + config.pool() + " is missing from the cluster's df report");
        });
    }

    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            closed = true;
            if (connection != null) {
                connection.close();
                connection = null;
            }
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    /** {@code sovra-vol-<uid>}. */
    public static String volumeName(String uid) {
        return VOLUME_PREFIX + uid;
    }

    /** {@code sovra-img-<uid>}. */
    public static String imageName(String uid) {
        return IMAGE_PREFIX + uid;
    }

    /** The image as a qemu-img / QEMU filename: {@code rbd:pool/image:id=user:conf=...:keyring=...}. */
    String qemuTarget(String image) {
        return "rbd:" + config.pool() + "/" + image + ":id=" + config.user() + ":conf=" + escape(config.cephConf())
                + ":keyring=" + escape(config.keyring());
    }

    private static String escape(Path path) {
        return path.toString().replace("\\", "\\\\").replace(":", "\\:");
    }

    // ---- the connection

    /** One librados connection and the pool's context. */
    private static final class Connection {
        final Rados rados;
        final IoCTX io;
        final Rbd rbd;
        volatile boolean broken;

        Connection(Rados rados, IoCTX io) {
            this.rados = rados;
            this.io = io;
            this.rbd = new Rbd(io);
        }

        void close() {
            rados.ioCtxDestroy(io);
            rados.shutDown();
        }
    }

    @FunctionalInterface
    private interface ClusterCall<T> {
        T call(Connection connection) throws IOException;
    }

    /**
     * Runs {@code body} on the connection (opened or reopened first if needed); a librados/librbd error
     * becomes a {@link StorageException} naming the uid, the operation, the object and the error code.
     */
    private <T> T call(String uid, String operation, String object, ClusterCall<T> body) {
        Connection c = acquire(uid);
        try {
            return body.call(c);
        } catch (IOException e) {
            int code = code(e);
            if (CONNECTION_ERRORS.contains(-code)) {
                c.broken = true;
            }
            throw failure(uid, operation, object, code, e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Returns the open connection with the read lock held. */
    private Connection acquire(String uid) {
        lifecycle.readLock().lock();
        Connection c = connection;
        if (c != null && !c.broken) {
            return c;
        }
        lifecycle.readLock().unlock();
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                throw new StorageException(uid, "the ceph volume driver is closed");
            }
            if (connection != null && connection.broken) {
                log.warn("ceph connection reopened after an error pool={} user={}", config.pool(), config.user());
                connection.close();
                connection = null;
            }
            if (connection == null) {
                connection = open(uid);
            }
            lifecycle.readLock().lock(); // downgrade: keep using it under the read lock
            return connection;
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private Connection open(String uid) {
        Rados rados;
        try {
            rados = new Rados(config.user());
        } catch (LinkageError e) {
            throw new StorageException(uid, "cannot load librados (Debian packages librados2 and librbd1): " + e, e);
        }
        try {
            rados.confReadFile(config.cephConf().toFile());
            rados.confSet("keyring", config.keyring().toString());
            String seconds = String.valueOf(Math.max(1, config.operationTimeout().toSeconds()));
            rados.confSet("client_mount_timeout", seconds);
            rados.confSet("rados_mon_op_timeout", seconds);
            rados.confSet("rados_osd_op_timeout", seconds);
            rados.connect();
            IoCTX io = rados.ioCtxCreate(config.pool());
            log.info("ceph connected pool={} user={} conf={}", config.pool(), config.user(), config.cephConf());
            return new Connection(rados, io);
        } catch (RadosException e) {
            rados.shutDown();
            throw failure(uid, "connect to the Ceph cluster as client." + config.user() + " with " + config.keyring(),
                    config.cephConf().toString(), e.getReturnValue(), e);
        }
    }

    private StorageException failure(String uid, String operation, String object, int code, Exception e) {
        return new StorageException(uid, "cannot " + operation + " (" + object + " in pool " + config.pool() + "): "
                + describe(code) + " [" + e.getMessage() + "]", e);
    }

    private static int code(IOException e) {
        if (e instanceof RbdException rbd) {
            return rbd.getReturnValue();
        }
        if (e instanceof RadosException rados) {
            return rados.getReturnValue();
        }
        return 0;
    }

    private static String describe(int code) {
        ErrorCode known = ErrorCode.getEnum(code);
        return known == null ? "error " + code : known.name() + " (" + code + ", " + known.getErrorMessage() + ")";
    }

    // ---- small librbd steps, all throwing RbdException for call() to map

    private static boolean exists(Connection c, String name) throws RbdException {
        try (RbdImage image = openReadOnlyIfExists(c, name)) {
            return image != null;
        }
    }

    private static OptionalLong sizeMiB(Connection c, String name) throws RbdException {
        try (RbdImage image = openReadOnlyIfExists(c, name)) {
            return image == null ? OptionalLong.empty() : OptionalLong.of(image.stat().size / MIB);
        }
    }

    private static RbdImage openReadOnlyIfExists(Connection c, String name) throws RbdException {
        try {
            return c.rbd.openReadOnly(name);
        } catch (RbdException e) {
            if (-e.getReturnValue() == ENOENT) {
                return null;
            }
            throw e;
        }
    }

    private static RbdImage openIfExists(Connection c, String name) throws RbdException {
        try {
            return c.rbd.open(name);
        } catch (RbdException e) {
            if (-e.getReturnValue() == ENOENT) {
                return null;
            }
            throw e;
        }
    }

    /** Removes image {@code name}; false if it did not exist. librbd refuses (EBUSY) while it has watchers. */
    private static boolean removeIfExists(Connection c, String name) throws RbdException {
        try {
            c.rbd.remove(name);
            return true;
        } catch (RbdException e) {
            if (-e.getReturnValue() == ENOENT) {
                return false;
            }
            throw e;
        }
    }

    /** Removes image {@code name} with its snapshots (unprotecting them); nothing if it does not exist. */
    private static Void removeWithSnapshots(Connection c, String name) throws RbdException {
        try (RbdImage image = openIfExists(c, name)) {
            if (image == null) {
                return null;
            }
            for (RbdSnapInfo snapshot : image.snapList()) {
                if (image.snapIsProtected(snapshot.name)) {
                    image.snapUnprotect(snapshot.name); // EBUSY while clones exist
                }
                image.snapRemove(snapshot.name);
            }
        }
        removeIfExists(c, name);
        return null;
    }

    private static void removeCopySnapshots(Connection c, String name) throws RbdException {
        try (RbdImage image = openIfExists(c, name)) {
            if (image == null) {
                return;
            }
            for (RbdSnapInfo snapshot : image.snapList()) {
                if (snapshot.name.startsWith(COPY_SNAPSHOT_PREFIX)) {
                    image.snapRemove(snapshot.name);
                }
            }
        }
    }

    private static void removeSnapshotQuietly(Connection c, String uid, String image, String snapshot) {
        try (RbdImage volume = openIfExists(c, image)) {
            if (volume != null && hasSnapshot(volume, snapshot)) {
                volume.snapRemove(snapshot);
            }
        } catch (RbdException e) {
            // harmless: deleteVolume removes it, and the next ensureImage replaces it
            log.warn("cannot remove copy snapshot uid={} image={} snapshot={} error={}", uid, image, snapshot, describe(e.getReturnValue()));
        }
    }

    private static void removeQuietly(Connection c, String uid, String name) {
        try {
            removeWithSnapshots(c, name);
        } catch (RbdException e) {
            log.warn("cannot remove half-made image uid={} image={} error={}", uid, name, describe(e.getReturnValue()));
        }
    }

    private static void protectBase(RbdImage image) throws RbdException {
        if (!hasSnapshot(image, BASE_SNAPSHOT)) {
            image.snapCreate(BASE_SNAPSHOT);
        }
        if (!image.snapIsProtected(BASE_SNAPSHOT)) {
            image.snapProtect(BASE_SNAPSHOT);
        }
    }

    private static boolean hasSnapshot(RbdImage image, String snapshot) throws RbdException {
        for (RbdSnapInfo info : image.snapList()) {
            if (snapshot.equals(info.name)) {
                return true;
            }
        }
        return false;
    }

    private static String volumeKey(String uid) {
        return "volume/" + uid;
    }

    private static String imageKey(String uid) {
        return "image/" + uid;
    }
}
