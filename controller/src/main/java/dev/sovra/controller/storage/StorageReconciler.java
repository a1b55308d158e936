package dev.sovra.controller.storage;

import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.reconcile.ReconcileTrigger;
import dev.sovra.controller.resource.Reference;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.controller.store.Repository;
import dev.sovra.controller.store.Repository.Versioned;
import dev.sovra.model.ImageSpec;
import dev.sovra.model.Node;
import dev.sovra.model.NodeState;
import dev.sovra.model.Resource;
import dev.sovra.model.ResourceState;
import dev.sovra.model.StorageObservation;
import dev.sovra.model.StorageState;
import dev.sovra.model.VolumeSpec;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves block storages and images towards their data planes, once per pass of the instance reconciler (so each
 * node gets one complete desired state): keeps a {@link VolumeRecord} per block storage and an
 * {@link ImageRecord} per image, binds each to the node that manages it, turns deleted resources into tombstones
 * until their node reports the data gone, and makes a resource {@code active} once its node reports it ready.
 *
 * <p>The backend comes from the storage SKU: {@code remote-durable} volumes live on the configured remote
 * backend ({@code ceph}, or {@code local} on a single box without Ceph), {@code local-*} volumes on the local
 * disks of one node (the ready node with the most free local space when it is made). An image lives on its source volume's backend (and node, for {@code local}); a volume
 * cloned from an image lives where the image is.
 */
public final class StorageReconciler {
    private static final Logger log = LoggerFactory.getLogger(StorageReconciler.class);
    public static final String LOCAL = "local";
    public static final String CEPH = "ceph";
    private static final long MIB_PER_GB = 1024;
    private static final long FREE_SPACE_STEP_MIB = 10 * 1024;

    private final Repository<VolumeRecord> volumes;
    private final Repository<ImageRecord> images;
    private final ResourceService resources;
    private final ComputeCatalog catalog;
    private final String remoteBackend;
    private final Clock clock;
    private ReconcileTrigger trigger = () -> { };
    /** Resources a pass could not read, with the reason last logged (touched by the reconciler thread only). */
    private final Map<String, String> skipped = new HashMap<>();

    /** @param remoteBackend where remote-durable volumes live: {@code ceph}, or {@code local} without Ceph */
    public StorageReconciler(Repository<VolumeRecord> volumes, Repository<ImageRecord> images, ResourceService resources,
                             ComputeCatalog catalog, String remoteBackend, Clock clock) {
        if (!LOCAL.equals(remoteBackend) && !CEPH.equals(remoteBackend)) {
            throw new IllegalArgumentException("remote storage backend must be local or ceph, was " + remoteBackend);
        }
        this.volumes = volumes;
        this.images = images;
        this.resources = resources;
        this.catalog = catalog;
        this.remoteBackend = remoteBackend;
        this.clock = clock;
    }

    /** The reconciler to wake when an observation changes something; attached once at start. */
    public void attach(ReconcileTrigger reconcileTrigger) {
        this.trigger = reconcileTrigger;
    }

    /** What a pass decided: each node's volumes and images (tombstones included), and every volume record by uid. */
    public record Plan(Map<String, List<VolumeSpec>> volumesByNode, Map<String, List<ImageSpec>> imagesByNode,
                       Map<String, VolumeRecord> volumesByUid) {
        public List<VolumeSpec> volumes(String nodeId) {
            return volumesByNode.getOrDefault(nodeId, List.of());
        }

        public List<ImageSpec> images(String nodeId) {
            return imagesByNode.getOrDefault(nodeId, List.of());
        }
    }

    /**
     * One pass over every storage resource and record; see the class comment.
     *
     * @param busyVolumes volumes a powered-on instance holds: an image is copied only from a volume no guest
     *     writes (a consistent copy on every backend), so its copy waits while its source is busy
     */
    public Plan pass(Collection<Node> nodes, Set<String> busyVolumes) {
        Instant now = clock.instant();
        Map<String, Resource> storages = byUid(resources.everywhere(ResourceType.BLOCK_STORAGE));
        Map<String, Resource> imageResources = byUid(resources.everywhere(ResourceType.IMAGE));
        Map<String, Versioned<VolumeRecord>> volumeRecords = records(volumes);
        Map<String, Versioned<ImageRecord>> imageRecords = records(images);
        List<Node> ready = nodes.stream().filter(n -> n.state() == NodeState.READY)
                .sorted(Comparator.comparing(Node::id)).toList();

        syncVolumeRecords(storages, imageResources, volumeRecords, now);
        syncImageRecords(imageResources, storages, volumeRecords, imageRecords, now);
        bindVolumes(volumeRecords, imageRecords, ready);
        bindImages(imageRecords, volumeRecords, ready);
        forgetFinished(volumeRecords, imageRecords);
        updateStatuses(storages, volumeRecords, imageResources, imageRecords, now);

        Map<String, List<VolumeSpec>> volumesByNode = new HashMap<>();
        Map<String, VolumeRecord> volumesByUid = new HashMap<>();
        for (Versioned<VolumeRecord> entry : volumeRecords.values()) {
            VolumeRecord volume = entry.value();
            volumesByUid.put(volume.uid(), volume);
            if (volume.nodeId() != null) {
                volumesByNode.computeIfAbsent(volume.nodeId(), k -> new ArrayList<>()).add(volume.spec());
            }
        }
        Map<String, List<ImageSpec>> imagesByNode = new HashMap<>();
        for (Versioned<ImageRecord> entry : imageRecords.values()) {
            ImageRecord image = entry.value();
            if (image.present() && !image.ready() && busyVolumes.contains(image.sourceVolumeUid())) {
                continue; // withheld: its source volume is in a running guest
            }
            if (image.nodeId() != null) {
                imagesByNode.computeIfAbsent(image.nodeId(), k -> new ArrayList<>()).add(image.spec());
            }
        }
        return new Plan(volumesByNode, imagesByNode, volumesByUid);
    }

    /** Takes a node's reports; only the node managing an object may speak for it. */
    public void apply(String nodeId, List<StorageObservation> volumeReports, List<StorageObservation> imageReports) {
        boolean changed = false;
        for (StorageObservation report : volumeReports) {
            changed |= volumes.update(report.uid(), v -> nodeId.equals(v.nodeId()) ? v.withObserved(report) : v)
                    .map(v -> nodeId.equals(v.value().nodeId())).orElse(false);
        }
        for (StorageObservation report : imageReports) {
            changed |= images.update(report.uid(), i -> nodeId.equals(i.nodeId()) ? i.withObserved(report) : i)
                    .map(i -> nodeId.equals(i.value().nodeId())).orElse(false);
        }
        if (changed) {
            trigger.trigger();
        }
    }

    public Optional<VolumeRecord> volume(String uid) {
        return volumes.get(uid).map(Versioned::value);
    }

    public Optional<ImageRecord> image(String uid) {
        return images.get(uid).map(Versioned::value);
    }

    /** Every volume record, tombstones included, for operators. */
    public List<VolumeRecord> volumes() {
        return volumes.list().stream().map(Versioned::value).toList();
    }

    /** Every image record, tombstones included, for operators. */
    public List<ImageRecord> images() {
        return images.list().stream().map(Versioned::value).toList();
    }

    /**
     * Records the import of an image file that lies on {@code nodeId} into the image resource {@code image}
     * (already stored); the node converts it into an image of {@code backend}. Idempotent.
     */
    public ImageRecord recordImport(Resource image, String nodeId, String backend, String file) {
        ImageRecord record = new ImageRecord(StorageNaming.uid(image), ref(ResourceType.IMAGE, image), backend, nodeId, null, file,
                true, null, clock.instant());
        images.compareAndPut(record.uid(), record, 0).ifPresent(v -> log.info(
                "image import recorded uid={} ref={} backend={} node={} file={}", record.uid(), record.ref(), backend, nodeId, file));
        trigger.trigger();
        return images.get(record.uid()).map(Versioned::value).orElse(record);
    }

    /** The backend a volume of storage SKU {@code skuName} lives on. */
    public String backendFor(String skuName) {
        Object type = catalog.storageSku(skuName).map(s -> s.spec().get("type")).orElse("remote-durable");
        return "remote-durable".equals(type) ? remoteBackend : LOCAL;
    }

    /** The backend of a block storage resource, from its SKU. */
    public String backendOf(Resource storage) {
        return backendFor(lastName(storage.spec().get("skuRef")));
    }

    // ---- pass steps ------------------------------------------------------------------------------------

    private void syncVolumeRecords(Map<String, Resource> storages, Map<String, Resource> imageResources,
                                   Map<String, Versioned<VolumeRecord>> records, Instant now) {
        for (Map.Entry<String, Resource> entry : storages.entrySet()) {
            guarded(entry.getValue(), () -> syncVolumeRecord(entry.getKey(), entry.getValue(), imageResources, records, now));
        }
        for (Versioned<VolumeRecord> record : List.copyOf(records.values())) {
            if (record.value().present() && !storages.containsKey(record.id())) {
                log.info("volume to delete uid={} ref={} node={}", record.id(), record.value().ref(), record.value().nodeId());
                put(volumes, records, record, record.value().tombstone());
            }
        }
    }

    private void syncVolumeRecord(String uid, Resource storage, Map<String, Resource> imageResources,
                                  Map<String, Versioned<VolumeRecord>> records, Instant now) {
        long sizeMiB = ((Number) storage.spec().get("sizeGB")).longValue() * MIB_PER_GB;
        Versioned<VolumeRecord> current = records.get(uid);
        if (current == null) {
            String image = sourceImageUid(storage, imageResources);
            VolumeRecord created = new VolumeRecord(uid, ref(ResourceType.BLOCK_STORAGE, storage), backendOf(storage), null, sizeMiB,
                    image, true, null, now);
            volumes.compareAndPut(created.uid(), created, 0).ifPresent(v -> {
                records.put(v.id(), v);
                log.info("volume recorded uid={} ref={} backend={} sizeMiB={} sourceImage={}", created.uid(), created.ref(),
                        created.backend(), sizeMiB, image);
            });
        } else if (current.value().present() && current.value().sizeMiB() < sizeMiB) {
            put(volumes, records, current, current.value().withSize(sizeMiB));
        }
    }

    private void syncImageRecords(Map<String, Resource> imageResources, Map<String, Resource> storages,
                                  Map<String, Versioned<VolumeRecord>> volumeRecords,
                                  Map<String, Versioned<ImageRecord>> records, Instant now) {
        for (Map.Entry<String, Resource> entry : imageResources.entrySet()) {
            if (!records.containsKey(entry.getKey())) { // an image's content is copied once; updates change metadata only
                guarded(entry.getValue(), () -> recordImage(entry.getKey(), entry.getValue(), storages, volumeRecords, records, now));
            }
        }
        Set<String> cloned = volumeRecords.values().stream().map(Versioned::value)
                .filter(v -> !v.gone() && v.sourceImageUid() != null).map(VolumeRecord::sourceImageUid).collect(Collectors.toSet());
        for (Versioned<ImageRecord> record : List.copyOf(records.values())) {
            // Deleted images stay on the backend while volumes cloned from them exist: their data depends on it.
            if (record.value().present() && !imageResources.containsKey(record.id()) && !cloned.contains(record.id())) {
                log.info("image to delete uid={} ref={} node={}", record.id(), record.value().ref(), record.value().nodeId());
                put(images, records, record, record.value().tombstone());
            }
        }
    }

    private void recordImage(String uid, Resource image, Map<String, Resource> storages,
                             Map<String, Versioned<VolumeRecord>> volumeRecords, Map<String, Versioned<ImageRecord>> records,
                             Instant now) {
        if (image.spec().get("blockStorageRef") == null) {
            return; // an operator's import: its record is written by the import itself (recordImport)
        }
        Reference source = Reference.parse("spec.blockStorageRef", image.spec().get("blockStorageRef"), "block-storages");
        Resource storage = storages.values().stream()
                .filter(s -> s.tenant().equals(image.tenant()) && s.workspace().equals(source.workspace())
                        && s.name().equals(source.name()))
                .findFirst().orElse(null);
        Versioned<VolumeRecord> volume = storage == null ? null : volumeRecords.get(StorageNaming.uid(storage));
        if (volume == null) {
            return; // its volume is not recorded yet (or was deleted first); the image waits
        }
        ImageRecord created = new ImageRecord(uid, ref(ResourceType.IMAGE, image), volume.value().backend(), null, volume.id(), null,
                true, null, now);
        images.compareAndPut(created.uid(), created, 0).ifPresent(v -> {
            records.put(v.id(), v);
            log.info("image recorded uid={} ref={} backend={} sourceVolume={}", created.uid(), created.ref(), created.backend(),
                    created.sourceVolumeUid());
        });
    }

    /**
     * Runs one resource's step; a resource the step cannot read (a stored spec from an older version, or a bug)
     * is logged, once per reason, and skipped, so it never stops the pass for every other resource and node.
     */
    private void guarded(Resource resource, Runnable step) {
        String key = resource.kind() + ":" + resource.tenant() + "/" + resource.workspace() + "/" + resource.name();
        try {
            step.run();
            skipped.remove(key);
        } catch (RuntimeException e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (!reason.equals(skipped.put(key, reason))) {
                log.error("storage resource skipped kind={} tenant={} workspace={} name={} reason=\"{}\"", resource.kind(),
                        resource.tenant(), resource.workspace(), resource.name(), reason, e);
            }
        }
    }

    private void bindVolumes(Map<String, Versioned<VolumeRecord>> records, Map<String, Versioned<ImageRecord>> imageRecords,
                             List<Node> ready) {
        Map<String, Long> localVolumesPerNode = records.values().stream().map(Versioned::value)
                .filter(v -> LOCAL.equals(v.backend()) && v.nodeId() != null)
                .collect(Collectors.groupingBy(VolumeRecord::nodeId, Collectors.counting()));
        Set<String> readyIds = ids(ready);
        for (Versioned<VolumeRecord> entry : List.copyOf(records.values())) {
            VolumeRecord volume = entry.value();
            String node = null;
            if (LOCAL.equals(volume.backend())) {
                if (volume.nodeId() != null) {
                    continue; // a local volume's data never moves
                }
                if (volume.sourceImageUid() != null) {
                    Versioned<ImageRecord> image = imageRecords.get(volume.sourceImageUid());
                    node = image == null ? null : image.value().nodeId(); // a clone lives beside its image
                } else {
                    // Most free local space first, in steps of 10 GiB (what a node reported at its last Hello is
                    // only roughly current), then fewest volumes.
                    node = ready.stream().filter(n -> !n.draining() && n.inventory().storageBackends().contains(LOCAL))
                            .min(Comparator.comparingLong((Node n) -> -(n.inventory().freeMiB(LOCAL) / FREE_SPACE_STEP_MIB))
                                    .thenComparingLong(n -> localVolumesPerNode.getOrDefault(n.id(), 0L)))
                            .map(Node::id).orElse(null);
                }
            } else {
                if (volume.nodeId() != null && (settled(volume) || readyIds.contains(volume.nodeId()))) {
                    continue;
                }
                node = anyWith(ready, volume.backend(), volume.uid());
            }
            if (node != null && !node.equals(volume.nodeId())) {
                if (put(volumes, records, entry, volume.withNode(node).withObserved(null))) {
                    localVolumesPerNode.merge(node, 1L, Long::sum);
                    log.info("volume bound uid={} ref={} backend={} node={}", volume.uid(), volume.ref(), volume.backend(), node);
                }
            }
        }
    }

    private void bindImages(Map<String, Versioned<ImageRecord>> records, Map<String, Versioned<VolumeRecord>> volumeRecords,
                            List<Node> ready) {
        Set<String> readyIds = ids(ready);
        for (Versioned<ImageRecord> entry : List.copyOf(records.values())) {
            ImageRecord image = entry.value();
            String node;
            if (image.importFile() != null) {
                continue; // the file lies on the node the operator named
            }
            if (LOCAL.equals(image.backend())) {
                if (image.nodeId() != null) {
                    continue;
                }
                Versioned<VolumeRecord> source = volumeRecords.get(image.sourceVolumeUid());
                node = source == null ? null : source.value().nodeId(); // copied from a volume on the same disks
            } else {
                if (image.nodeId() != null && (image.ready() || image.gone() || readyIds.contains(image.nodeId()))) {
                    continue;
                }
                node = anyWith(ready, image.backend(), image.uid());
            }
            if (node != null && !node.equals(image.nodeId()) && put(images, records, entry, image.withNode(node).withObserved(null))) {
                log.info("image bound uid={} ref={} backend={} node={}", image.uid(), image.ref(), image.backend(), node);
            }
        }
    }

    /** Removes tombstones whose data is gone, or that never reached a node. */
    private void forgetFinished(Map<String, Versioned<VolumeRecord>> volumeRecords, Map<String, Versioned<ImageRecord>> imageRecords) {
        for (Versioned<VolumeRecord> entry : List.copyOf(volumeRecords.values())) {
            VolumeRecord volume = entry.value();
            if ((volume.gone() || (!volume.present() && volume.nodeId() == null))
                    && volumes.compareAndDelete(entry.id(), entry.revision())) {
                volumeRecords.remove(entry.id());
                log.info("volume forgotten uid={} ref={} (deleted from its backend)", volume.uid(), volume.ref());
            }
        }
        for (Versioned<ImageRecord> entry : List.copyOf(imageRecords.values())) {
            ImageRecord image = entry.value();
            if ((image.gone() || (!image.present() && image.nodeId() == null))
                    && images.compareAndDelete(entry.id(), entry.revision())) {
                imageRecords.remove(entry.id());
                log.info("image forgotten uid={} ref={} (deleted from its backend)", image.uid(), image.ref());
            }
        }
    }

    /** creating/updating -> active once the node reports the data ready; error while it reports a failure. */
    private void updateStatuses(Map<String, Resource> storages, Map<String, Versioned<VolumeRecord>> volumeRecords,
                                Map<String, Resource> imageResources, Map<String, Versioned<ImageRecord>> imageRecords, Instant now) {
        for (Map.Entry<String, Resource> entry : storages.entrySet()) {
            Versioned<VolumeRecord> record = volumeRecords.get(entry.getKey());
            if (record != null) {
                guarded(entry.getValue(), () -> settle(ResourceType.BLOCK_STORAGE, entry.getValue(), record.value().ready(),
                        record.value().observed(), now));
            }
        }
        for (Map.Entry<String, Resource> entry : imageResources.entrySet()) {
            Versioned<ImageRecord> record = imageRecords.get(entry.getKey());
            if (record != null) {
                guarded(entry.getValue(), () -> settle(ResourceType.IMAGE, entry.getValue(), record.value().ready(),
                        record.value().observed(), now));
            }
        }
    }

    private void settle(ResourceType type, Resource resource, boolean ready, StorageObservation observed, Instant now) {
        ResourceState state = resource.status().state();
        boolean pending = state == ResourceState.PENDING || state == ResourceState.CREATING || state == ResourceState.UPDATING
                || state == ResourceState.ERROR;
        if (ready && pending) {
            resources.replaceStatus(type, resource, status -> status.state() == state ? status.then(ResourceState.ACTIVE, now, "Ready") : status);
            log.info("{} active ref={}", type.kind(), ref(type, resource));
        } else if (!ready && observed != null && observed.state() == StorageState.FAILED && state != ResourceState.ERROR
                && state != ResourceState.ACTIVE) {
            resources.replaceStatus(type, resource, status -> status.state() == state ? status.then(ResourceState.ERROR, now, "Failed") : status);
            log.warn("{} failed ref={} reason=\"{}\"", type.kind(), ref(type, resource), observed.message());
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    private String sourceImageUid(Resource storage, Map<String, Resource> imageResources) {
        Object reference = storage.spec().get("sourceImageRef");
        if (reference == null) {
            return null;
        }
        String name = Reference.parse("spec.sourceImageRef", reference, "images").name();
        return imageResources.entrySet().stream()
                .filter(e -> e.getValue().tenant().equals(storage.tenant()) && e.getValue().name().equals(name))
                .map(Map.Entry::getKey).findFirst().orElse(null);
    }

    /** A remote object whose work is done needs no live node until it changes. */
    private static boolean settled(VolumeRecord volume) {
        return volume.ready() || volume.gone();
    }

    /** The nodes' ids, for lookups per record (a pass checks each of thousands of records against them). */
    private static Set<String> ids(List<Node> nodes) {
        return nodes.stream().map(Node::id).collect(Collectors.toSet());
    }

    /** A ready node with {@code backend}, the same one for the same uid while the set of nodes stays. */
    private static String anyWith(List<Node> ready, String backend, String uid) {
        List<Node> capable = ready.stream().filter(n -> n.inventory().storageBackends().contains(backend)).toList();
        return capable.isEmpty() ? null : capable.get(Math.floorMod(uid.hashCode(), capable.size())).id();
    }

    private static <T> boolean put(Repository<T> repository, Map<String, Versioned<T>> cache, Versioned<T> current, T next) {
        Optional<Versioned<T>> written = repository.compareAndPut(current.id(), next, current.revision());
        written.ifPresent(v -> cache.put(v.id(), v));
        return written.isPresent();
    }

    private static <T> Map<String, Versioned<T>> records(Repository<T> repository) {
        Map<String, Versioned<T>> byId = new HashMap<>();
        repository.list().forEach(v -> byId.put(v.id(), v));
        return byId;
    }

    private static Map<String, Resource> byUid(List<Resource> list) {
        Map<String, Resource> byUid = new HashMap<>();
        list.forEach(r -> byUid.put(StorageNaming.uid(r), r));
        return byUid;
    }

    private static String ref(ResourceType type, Resource resource) {
        return type.path(resource.tenant(), resource.workspace(), resource.name());
    }

    /** The last path segment of an (already validated) reference: the referenced name. */
    static String lastName(Object reference) {
        Object text = reference instanceof Map<?, ?> map ? map.get("resource") : reference;
        String value = String.valueOf(text);
        return value.substring(value.lastIndexOf('/') + 1);
    }
}
