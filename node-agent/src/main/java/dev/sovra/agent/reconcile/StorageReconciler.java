package dev.sovra.agent.reconcile;

import dev.sovra.agent.storage.StorageBackends;
import dev.sovra.agent.storage.StorageException;
import dev.sovra.agent.storage.StorageInUseException;
import dev.sovra.agent.storage.VolumeDriver;
import dev.sovra.model.NodeDesired;
import dev.sovra.model.DiskSpec;
import dev.sovra.model.ImageSpec;
import dev.sovra.model.InstanceSpec;
import dev.sovra.model.StorageObservation;
import dev.sovra.model.StorageState;
import dev.sovra.model.VolumeSpec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converges this node's volumes and images to the desired state, inside the {@link DomainReconciler}'s pass:
 * {@link #ensurePresent} before domains are defined (a guest needs its disks), {@link #removeAbsent} after
 * undesired domains are gone (a disk is deleted only once no guest holds it). Every call to a driver is
 * idempotent, so a crash at any point is repaired by the next pass. Objects found ready are re-checked on
 * the backend at most every {@link #RECHECK}, so a pass over many volumes stays cheap.
 */
final class StorageReconciler {
    private static final Logger log = LoggerFactory.getLogger(StorageReconciler.class);
    static final Duration RECHECK = Duration.ofSeconds(60);

    private final StorageBackends backends;
    private final LiveResize liveResize;
    private final ObservationSink sink;
    private final Clock clock;
    private final Map<String, StorageObservation> volumes = new HashMap<>();
    private final Map<String, StorageObservation> images = new HashMap<>();
    private final Map<String, VolumeSpec> readyVolumeSpecs = new HashMap<>();
    private final Map<String, ImageSpec> readyImageSpecs = new HashMap<>();
    private final List<StorageObservation> changedVolumes = new ArrayList<>();
    private final List<StorageObservation> changedImages = new ArrayList<>();
    private final Map<String, Import> imports = new HashMap<>();
    private final ExecutorService importer = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "image-importer");
        thread.setDaemon(true);
        return thread;
    });

    /** Grows a volume a running guest holds, through its hypervisor; false if no guest holds it. */
    @FunctionalInterface
    interface LiveResize {
        boolean grow(String volumeUid, long sizeMiB);
    }

    StorageReconciler(StorageBackends backends, LiveResize liveResize, ObservationSink sink, Clock clock) {
        this.backends = backends;
        this.liveResize = liveResize;
        this.sink = sink;
        this.clock = clock;
    }

    /**
     * Makes every desired volume and image exist: empty volumes first, then images (made from volumes),
     * then volumes cloned from images, so one pass builds a whole chain.
     */
    void ensurePresent(NodeDesired desired) {
        List<VolumeSpec> wanted = desired.volumes().stream().filter(VolumeSpec::present).toList();
        wanted.stream().filter(v -> v.sourceImageUid() == null).forEach(this::ensureVolume);
        desired.images().stream().filter(ImageSpec::present).forEach(this::ensureImage);
        wanted.stream().filter(v -> v.sourceImageUid() != null).forEach(this::ensureVolume);
    }

    /**
     * Deletes volumes and images whose tombstones the node holds: volumes first (clones hold their image),
     * never a volume a desired instance of this node still attaches.
     */
    void removeAbsent(NodeDesired desired) {
        Map<String, String> attachedBy = new HashMap<>();
        for (InstanceSpec instance : desired.instances()) {
            for (DiskSpec disk : instance.disks()) {
                attachedBy.putIfAbsent(disk.volumeUid(), instance.ref());
            }
        }
        for (VolumeSpec volume : desired.volumes()) {
            if (volume.present()) {
                continue;
            }
            String holder = attachedBy.get(volume.uid());
            if (holder != null) {
                observeVolume(volume.uid(), volume.ref(), StorageState.IN_USE, 0, "attached to instance " + holder);
                continue;
            }
            try {
                backends.driver(volume.uid(), volume.backend()).deleteVolume(volume.uid());
                observeVolume(volume.uid(), volume.ref(), StorageState.ABSENT, 0, "");
            } catch (StorageInUseException e) {
                observeVolume(volume.uid(), volume.ref(), StorageState.IN_USE, 0, e.getMessage());
            } catch (RuntimeException e) {
                observeVolume(volume.uid(), volume.ref(), StorageState.FAILED, 0, "delete failed: " + reason(e));
            }
        }
        for (ImageSpec image : desired.images()) {
            if (image.present()) {
                continue;
            }
            try {
                backends.driver(image.uid(), image.backend()).deleteImage(image.uid());
                observeImage(image.uid(), image.ref(), StorageState.ABSENT, 0, "");
            } catch (StorageInUseException e) {
                observeImage(image.uid(), image.ref(), StorageState.IN_USE, 0, e.getMessage());
            } catch (RuntimeException e) {
                observeImage(image.uid(), image.ref(), StorageState.FAILED, 0, "delete failed: " + reason(e));
            }
        }
        forgetUndesired(desired);
    }

    /**
     * Null when every disk of {@code instance} exists on its backend, else why not (e.g. the volume is still
     * being made). Volumes this node manages are judged by their last observation; others (Ceph volumes
     * managed by another node) are looked up on the backend.
     */
    String disksMissing(InstanceSpec instance) {
        for (DiskSpec disk : instance.disks()) {
            StorageObservation observed = volumes.get(disk.volumeUid());
            if (observed != null) {
                if (observed.state() != StorageState.READY) {
                    return "volume " + observed.ref() + " is " + observed.state().name().toLowerCase()
                            + (observed.message().isEmpty() ? "" : ": " + observed.message());
                }
                continue;
            }
            try {
                VolumeDriver driver = backends.driver(disk.volumeUid(), disk.backend());
                if (driver.volumeSize(disk.volumeUid()).isEmpty()) {
                    return "volume " + disk.volumeUid() + " does not exist on backend " + disk.backend() + " yet";
                }
            } catch (RuntimeException e) {
                return "volume " + disk.volumeUid() + " cannot be checked: " + reason(e);
            }
        }
        return null;
    }

    /** Stops imports under way; a restarted agent starts them again from the file. */
    void close() {
        importer.shutdownNow();
    }

    /** Every current observation, after a (re)connect. */
    void reportAll() {
        sink.reportStorage(List.copyOf(volumes.values()), List.copyOf(images.values()));
    }

    /** Sends what changed since the last report. */
    void reportChanges() {
        if (!changedVolumes.isEmpty() || !changedImages.isEmpty()) {
            sink.reportStorage(List.copyOf(changedVolumes), List.copyOf(changedImages));
            changedVolumes.clear();
            changedImages.clear();
        }
    }

    private void ensureVolume(VolumeSpec volume) {
        if (fresh(volumes.get(volume.uid())) && volume.equals(readyVolumeSpecs.get(volume.uid()))) {
            return;
        }
        try {
            VolumeDriver driver = backends.driver(volume.uid(), volume.backend());
            OptionalLong before = driver.volumeSize(volume.uid());
            long size;
            try {
                size = driver.ensureVolume(volume.uid(), volume.sizeMiB(), volume.sourceImageUid());
            } catch (StorageInUseException e) {
                if (!liveResize.grow(volume.uid(), volume.sizeMiB())) {
                    throw e;
                }
                size = driver.volumeSize(volume.uid()).orElse(volume.sizeMiB());
            }
            if (before.isEmpty()) {
                log.info("volume created uid={} ref={} backend={} sizeMiB={} sourceImage={}", volume.uid(), volume.ref(),
                        volume.backend(), size, volume.sourceImageUid());
            } else if (before.getAsLong() < size) {
                log.info("volume grown uid={} ref={} fromMiB={} toMiB={}", volume.uid(), volume.ref(), before.getAsLong(), size);
            }
            observeVolume(volume.uid(), volume.ref(), StorageState.READY, size, "");
            readyVolumeSpecs.put(volume.uid(), volume);
        } catch (StorageException e) {
            readyVolumeSpecs.remove(volume.uid());
            observeVolume(volume.uid(), volume.ref(), e.missingSource() ? StorageState.WAITING : StorageState.FAILED, 0, reason(e));
        } catch (RuntimeException e) {
            readyVolumeSpecs.remove(volume.uid());
            observeVolume(volume.uid(), volume.ref(), StorageState.FAILED, 0, reason(e));
        }
    }

    private void ensureImage(ImageSpec image) {
        if (fresh(images.get(image.uid())) && image.equals(readyImageSpecs.get(image.uid()))) {
            return;
        }
        if (image.importFile() != null) {
            ensureImported(image);
            return;
        }
        try {
            VolumeDriver driver = backends.driver(image.uid(), image.backend());
            boolean existed = driver.imageSize(image.uid()).isPresent();
            long size = driver.ensureImage(image.uid(), image.sourceVolumeUid());
            if (!existed) {
                log.info("image created uid={} ref={} backend={} sizeMiB={} sourceVolume={}", image.uid(), image.ref(),
                        image.backend(), size, image.sourceVolumeUid());
            }
            observeImage(image.uid(), image.ref(), StorageState.READY, size, "");
            readyImageSpecs.put(image.uid(), image);
        } catch (StorageInUseException e) { // the source is busy (e.g. a running guest writes it): copied later
            readyImageSpecs.remove(image.uid());
            observeImage(image.uid(), image.ref(), StorageState.WAITING, 0, reason(e));
        } catch (StorageException e) {
            readyImageSpecs.remove(image.uid());
            observeImage(image.uid(), image.ref(), e.missingSource() ? StorageState.WAITING : StorageState.FAILED, 0, reason(e));
        } catch (RuntimeException e) {
            readyImageSpecs.remove(image.uid());
            observeImage(image.uid(), image.ref(), StorageState.FAILED, 0, reason(e));
        }
    }

    /**
     * An operator's import can take minutes, so it runs on its own thread while passes go on; each pass reports
     * its progress ({@code importing NN%}) until the image exists.
     */
    private void ensureImported(ImageSpec image) {
        Import running = imports.get(image.uid());
        if (running != null && !running.future().isDone()) {
            observeImage(image.uid(), image.ref(), StorageState.WAITING, 0,
                    String.format(Locale.ROOT, "importing %d%%", Math.round(running.fraction().get() * 100)));
            return;
        }
        imports.remove(image.uid());
        try {
            VolumeDriver driver = backends.driver(image.uid(), image.backend());
            OptionalLong size = driver.imageSize(image.uid());
            if (size.isPresent()) {
                observeImage(image.uid(), image.ref(), StorageState.READY, size.getAsLong(), "");
                readyImageSpecs.put(image.uid(), image);
                return;
            }
            if (running != null) { // it ended without an image: say why, and try again next pass
                String error = running.error().get();
                observeImage(image.uid(), image.ref(), StorageState.FAILED, 0, "import failed: " + error);
                return;
            }
            AtomicReference<Double> fraction = new AtomicReference<>(0.0);
            AtomicReference<String> error = new AtomicReference<>("");
            log.info("image import started uid={} ref={} backend={} file={}", image.uid(), image.ref(), image.backend(),
                    image.importFile());
            Future<?> future = importer.submit(() -> {
                try {
                    long imported = driver.importImage(image.uid(), Path.of(image.importFile()), fraction::set);
                    log.info("image imported uid={} ref={} sizeMiB={}", image.uid(), image.ref(), imported);
                } catch (RuntimeException e) {
                    error.set(reason(e));
                    log.warn("image import failed uid={} ref={} reason=\"{}\"", image.uid(), image.ref(), reason(e));
                }
            });
            imports.put(image.uid(), new Import(future, fraction, error));
            observeImage(image.uid(), image.ref(), StorageState.WAITING, 0, "importing 0%");
        } catch (RuntimeException e) {
            observeImage(image.uid(), image.ref(), StorageState.FAILED, 0, reason(e));
        }
    }

    /** An import under way on the importer thread. */
    private record Import(Future<?> future, AtomicReference<Double> fraction,
                          AtomicReference<String> error) {}

    private boolean fresh(StorageObservation observation) {
        return observation != null && observation.state() == StorageState.READY
                && observation.observedAt().plus(RECHECK).isAfter(clock.instant());
    }

    private void observeVolume(String uid, String ref, StorageState state, long sizeMiB, String message) {
        observe(volumes, changedVolumes, "volume", uid, ref, state, sizeMiB, message);
    }

    private void observeImage(String uid, String ref, StorageState state, long sizeMiB, String message) {
        observe(images, changedImages, "image", uid, ref, state, sizeMiB, message);
    }

    private void observe(Map<String, StorageObservation> current, List<StorageObservation> changed, String kind, String uid,
                         String ref, StorageState state, long sizeMiB, String message) {
        Instant now = clock.instant();
        StorageObservation next = new StorageObservation(uid, ref, state, sizeMiB, message, now);
        StorageObservation previous = current.put(uid, next);
        if (previous == null || previous.state() != state || previous.sizeMiB() != sizeMiB
                || !Objects.equals(previous.message(), message)) {
            if (state == StorageState.FAILED || state == StorageState.IN_USE) {
                log.warn("{} not converged uid={} ref={} state={} reason=\"{}\"", kind, uid, ref, state, message);
            } else if (state == StorageState.ABSENT) {
                log.info("{} deleted uid={} ref={}", kind, uid, ref);
            }
            changed.add(next);
        }
    }

    /** Drops observations of objects the controller no longer mentions (it has seen them absent). */
    private void forgetUndesired(NodeDesired desired) {
        Set<String> volumeUids = desired.volumes().stream().map(VolumeSpec::uid).collect(Collectors.toSet());
        Set<String> imageUids = desired.images().stream().map(ImageSpec::uid).collect(Collectors.toSet());
        volumes.keySet().retainAll(volumeUids);
        images.keySet().retainAll(imageUids);
        readyVolumeSpecs.keySet().retainAll(volumeUids);
        readyImageSpecs.keySet().retainAll(imageUids);
    }

    private static String reason(RuntimeException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
