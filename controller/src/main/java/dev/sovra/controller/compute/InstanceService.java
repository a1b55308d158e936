package dev.sovra.controller.compute;

import dev.sovra.controller.network.InstanceNicRefs;
import dev.sovra.controller.reconcile.ReconcileTrigger;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.controller.resource.Validation;
import dev.sovra.controller.storage.StorageNaming;
import dev.sovra.controller.storage.StorageReconciler;
import dev.sovra.controller.storage.VolumeRecord;
import dev.sovra.controller.store.Repository;
import dev.sovra.controller.store.Repository.Versioned;
import dev.sovra.model.DiskSpec;
import dev.sovra.model.Instance;
import dev.sovra.model.InstanceSpec;
import dev.sovra.model.InstanceStatus;
import dev.sovra.model.KernelBoot;
import dev.sovra.model.PowerState;
import dev.sovra.model.Resource;
import dev.sovra.model.ResourceMetadata;
import dev.sovra.model.ResourceState;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compute use cases behind the SECA instance endpoints. Every change is written durably as
 * desired state first; the reconciler and the node agents make it real afterwards.
 */
public final class InstanceService {
    private static final Logger log = LoggerFactory.getLogger(InstanceService.class);

    private final Repository<Instance> instances;
    private final ResourceService resources;
    private final StorageReconciler storage;
    private final ComputeCatalog catalog;
    private final KernelBoot bootLoader;
    private final ReconcileTrigger reconciler;
    private final Clock clock;

    /**
     * @param bootLoader the kernel every instance boots until images exist: its boot volume is attached as
     *     the first disk
     */
    public InstanceService(Repository<Instance> instances, ResourceService resources, StorageReconciler storage, ComputeCatalog catalog,
                           KernelBoot bootLoader, ReconcileTrigger reconciler, Clock clock) {
        this.instances = instances;
        this.resources = resources;
        this.storage = storage;
        this.catalog = catalog;
        this.bootLoader = bootLoader;
        this.reconciler = reconciler;
        this.clock = clock;
    }

    /** Outcome of a PUT: the stored instance and whether it was newly created. */
    public record PutResult(Instance instance, boolean created) {}

    public PutResult put(String tenant, String workspace, String name, InstanceRequest request, Long ifUnmodifiedSince) {
        validateNames(tenant, workspace, name);
        Validation.labels(request.labels(), request.annotations(), request.extensions());
        if (resources.get(ResourceType.WORKSPACE, tenant, null, workspace).isEmpty()) {
            throw ApiProblem.unprocessable("workspace " + workspace + " does not exist in tenant " + tenant);
        }
        String path = Instance.path(tenant, workspace, name);
        ComputeCatalog.Sku sku = resolveSku(request.sku());
        String zone = resolveZone(request.zone());
        List<DiskSpec> disks = resolveVolumes(tenant, workspace, request.bootVolume(), request.dataVolumes());
        requireNicsFree(path, tenant, workspace, InstanceNicRefs.resolve(request.spec(), tenant, workspace, resources));
        InstanceNicRefs.requireSecurityGroup(request.spec(), tenant, workspace, resources);
        while (true) {
            Optional<Versioned<Instance>> current = instances.get(path);
            Instant now = clock.instant();
            if (current.isEmpty()) {
                requireOneNode(path, disks, null);
                if (ifUnmodifiedSince != null) {
                    throw ApiProblem.notFound("instance " + path + " does not exist, so it cannot match if-unmodified-since");
                }
                // SECA: a new instance is powered off until it is started.
                InstanceSpec runtime = new InstanceSpec(UUID.randomUUID().toString(), path, sku.vcpus(), sku.memoryMiB(),
                        bootLoader, disks, List.of(), PowerState.OFF, 0);
                Instance created = new Instance(tenant, workspace, name, request.labels(), request.annotations(), request.extensions(),
                        sku.name(), zone,
                        request.bootVolume(), request.spec(), runtime, null,
                        InstanceStatus.pending(now, "Scheduling", "waiting for placement"), ResourceMetadata.created(now));
                if (instances.compareAndPut(path, created, 0).isPresent()) {
                    log.info("instance created ref={} uid={} sku={} zone={} bootVolume={}", path, runtime.uid(), sku.name(), zone,
                            request.bootVolume());
                    reconciler.trigger();
                    return new PutResult(created, true);
                }
                continue;
            }
            Instance existing = current.get().value();
            checkVersion(existing, ifUnmodifiedSince);
            requireNotDeleting(existing);
            if (!existing.sku().equals(sku.name())) {
                throw ApiProblem.unprocessable("spec.skuRef is immutable (instance " + path + " has sku " + existing.sku() + ")");
            }
            if (!existing.zone().equals(zone)) {
                throw ApiProblem.unprocessable("spec.zone is immutable (instance " + path + " is in zone " + existing.zone() + ")");
            }
            if (!existing.bootVolume().equals(request.bootVolume())) {
                throw ApiProblem.unprocessable("spec.bootVolume is immutable (instance " + path + " boots "
                        + existing.bootVolume() + ")");
            }
            InstanceSpec runtime = existing.runtime();
            if (!runtime.disks().equals(disks)) {
                requireOneNode(path, disks, existing.nodeId());
                if (runtime.power() == PowerState.ON) {
                    requireExclusive(existing, disks);
                }
                // Data volumes attach and detach on the node: live on a running guest, at the next boot otherwise.
                runtime = new InstanceSpec(runtime.uid(), runtime.ref(), runtime.vcpus(), runtime.memoryMiB(), runtime.kernelBoot(),
                        disks, runtime.nics(), runtime.power(), runtime.restartGeneration());
                log.info("instance volumes changed ref={} uid={} disks={}", path, runtime.uid(), disks.size());
            }
            // The rest of an update is the envelope, which needs nothing from the node: applied at once.
            InstanceStatus status = existing.status().state() == ResourceState.ACTIVE
                    ? existing.status().transition(ResourceState.UPDATING, now, "Updating", null)
                            .transition(ResourceState.ACTIVE, now, "Updated", null)
                    : existing.status();
            Instance updated = existing.withEnvelope(request.labels(), request.annotations(), request.extensions(), request.spec())
                    .withRuntime(runtime).withStatus(status).withMetadata(existing.metadata().modified(now));
            if (instances.compareAndPut(path, updated, current.get().revision()).isPresent()) {
                if (runtime != existing.runtime()) {
                    reconciler.trigger();
                }
                return new PutResult(updated, false);
            }
        }
    }

    public Instance get(String tenant, String workspace, String name) {
        String path = Instance.path(tenant, workspace, name);
        return instances.get(path).map(Versioned::value)
                .orElseThrow(() -> ApiProblem.notFound("instance " + path + " does not exist"));
    }

    public List<Instance> list(String tenant, String workspace) {
        return instances.list(Instance.path(tenant, workspace, "")).stream().map(Versioned::value).toList();
    }

    /** Marks the instance deleting; the reconciler removes it once its node reports the domain gone. */
    public void delete(String tenant, String workspace, String name, Long ifUnmodifiedSince) {
        change(tenant, workspace, name, ifUnmodifiedSince, (instance, now) -> {
            if (instance.metadata().deleting()) {
                return instance;
            }
            log.info("instance delete requested ref={} uid={}", instance.path(), instance.uid());
            return instance.withMetadata(instance.metadata().markDeleted(now))
                    .withStatus(instance.status().transition(ResourceState.DELETING, now, "DeleteRequested", "deletion requested"));
        });
    }

    public void start(String tenant, String workspace, String name, Long ifUnmodifiedSince) {
        change(tenant, workspace, name, ifUnmodifiedSince, (instance, now) -> {
            requireNotDeleting(instance);
            if (instance.runtime().power() == PowerState.ON) {
                throw ApiProblem.preconditionFailed("instance " + instance.path() + " is already on");
            }
            requireExclusive(instance, instance.runtime().disks());
            return powerChange(instance.withRuntime(instance.runtime().withPower(PowerState.ON)), now, "StartRequested");
        });
    }

    public void stop(String tenant, String workspace, String name, Long ifUnmodifiedSince) {
        change(tenant, workspace, name, ifUnmodifiedSince, (instance, now) -> {
            requireNotDeleting(instance);
            if (instance.runtime().power() == PowerState.OFF) {
                throw ApiProblem.conflict("instance " + instance.path() + " is already off");
            }
            return powerChange(instance.withRuntime(instance.runtime().withPower(PowerState.OFF)), now, "StopRequested");
        });
    }

    public void restart(String tenant, String workspace, String name, Long ifUnmodifiedSince) {
        change(tenant, workspace, name, ifUnmodifiedSince, (instance, now) -> {
            requireNotDeleting(instance);
            if (instance.runtime().power() == PowerState.OFF) {
                throw ApiProblem.conflict("instance " + instance.path() + " is off; start it instead");
            }
            InstanceSpec runtime = instance.runtime();
            return powerChange(instance.withRuntime(runtime.withRestartGeneration(runtime.restartGeneration() + 1)), now,
                    "RestartRequested");
        });
    }

    private static void requireNotDeleting(Instance instance) {
        if (instance.metadata().deleting()) {
            throw ApiProblem.conflict("instance " + instance.path() + " is being deleted");
        }
    }

    private static Instance powerChange(Instance instance, Instant now, String reason) {
        ResourceState state = instance.status().state() == ResourceState.ACTIVE ? ResourceState.UPDATING : instance.status().state();
        return instance.withStatus(instance.status().transition(state, now, reason, null))
                .withMetadata(instance.metadata().modified(now));
    }

    /** A state change of an existing instance; returns the same object to leave it untouched. */
    private interface Change {
        Instance apply(Instance instance, Instant now);
    }

    private void change(String tenant, String workspace, String name, Long ifUnmodifiedSince, Change change) {
        validateNames(tenant, workspace, name);
        String path = Instance.path(tenant, workspace, name);
        while (true) {
            Versioned<Instance> current = instances.get(path)
                    .orElseThrow(() -> ApiProblem.notFound("instance " + path + " does not exist"));
            checkVersion(current.value(), ifUnmodifiedSince);
            Instance changed = change.apply(current.value(), clock.instant());
            if (changed == current.value()) {
                return;
            }
            if (instances.compareAndPut(path, changed, current.revision()).isPresent()) {
                reconciler.trigger();
                return;
            }
        }
    }

    private static void checkVersion(Instance existing, Long ifUnmodifiedSince) {
        if (ifUnmodifiedSince != null && ifUnmodifiedSince != existing.metadata().resourceVersion()) {
            throw ApiProblem.preconditionFailed("instance " + existing.path() + " is at resourceVersion "
                    + existing.metadata().resourceVersion() + ", not " + ifUnmodifiedSince);
        }
    }

    private ComputeCatalog.Sku resolveSku(String sku) {
        if (sku == null || sku.isBlank()) {
            throw ApiProblem.unprocessable("spec.skuRef is required");
        }
        return catalog.sku(sku).orElseThrow(() -> ApiProblem.unprocessable("spec.skuRef: no SKU named " + sku
                + " (offered: " + String.join(", ", catalog.skus().keySet().stream().sorted().toList()) + ")"));
    }

    private String resolveZone(String zone) {
        if (zone == null || zone.isBlank()) {
            throw ApiProblem.unprocessable("spec.zone is required");
        }
        if (!catalog.zones().contains(zone)) {
            throw ApiProblem.unprocessable("spec.zone: " + zone + " is not a zone of region " + catalog.region()
                    + " (zones: " + String.join(", ", catalog.zones()) + ")");
        }
        return zone;
    }

    /**
     * The volumes of an instance: its boot volume, then its data volumes in order, each a block storage of the
     * workspace. A block storage may back several instances (SECA conformance boots three from one), but only
     * one running instance at a time: see {@link #requireExclusive}.
     */
    private List<DiskSpec> resolveVolumes(String tenant, String workspace, String bootVolume, List<String> dataVolumes) {
        if (bootVolume == null || bootVolume.isBlank()) {
            throw ApiProblem.unprocessable("spec.bootVolume.deviceRef is required");
        }
        List<DiskSpec> disks = new ArrayList<>();
        disks.add(disk("boot", "spec.bootVolume.deviceRef", tenant, workspace, bootVolume));
        List<String> data = dataVolumes == null ? List.of() : dataVolumes;
        for (int i = 0; i < data.size(); i++) {
            disks.add(disk("data" + i, "spec.dataVolumes[" + i + "].deviceRef", tenant, workspace, data.get(i)));
        }
        Set<String> seen = new HashSet<>();
        for (DiskSpec disk : disks) {
            if (!seen.add(disk.volumeUid())) {
                throw ApiProblem.unprocessable("block storage is attached twice to the instance (" + bootVolume
                        + (data.isEmpty() ? "" : ", " + String.join(", ", data)) + ")");
            }
        }
        return List.copyOf(disks);
    }

    private DiskSpec disk(String diskName, String field, String tenant, String workspace, String blockStorage) {
        Resource resource = resources.get(ResourceType.BLOCK_STORAGE, tenant, workspace, blockStorage)
                .orElseThrow(() -> ApiProblem.unprocessable(field + ": block storage " + blockStorage
                        + " does not exist in workspace " + workspace));
        String uid = StorageNaming.uid(resource);
        // A recorded volume keeps its backend even if the configuration changed since it was made.
        String backend = storage.volume(uid).map(VolumeRecord::backend).orElseGet(() -> storage.backendOf(resource));
        return new DiskSpec(diskName, uid, backend);
    }

    /**
     * Refuses NICs another instance names (a NIC is one port of one instance). Two concurrent writes may both pass;
     * the network reconciler then binds the NIC to the older instance only.
     */
    private void requireNicsFree(String path, String tenant, String workspace, List<String> nics) {
        if (nics.isEmpty()) {
            return;
        }
        for (Versioned<Instance> entry : instances.list()) {
            Instance other = entry.value();
            if (!other.tenant().equals(tenant) || !other.workspace().equals(workspace) || other.path().equals(path)) {
                continue;
            }
            for (String nic : InstanceNicRefs.held(other.spec(), tenant, workspace)) {
                if (nics.contains(nic)) {
                    throw ApiProblem.conflict("nic " + nic + " is already used by instance " + other.name());
                }
            }
        }
    }

    /**
     * Refuses volumes that no single node can attach together: local volumes live on one node and never move,
     * so an instance's local volumes must share a node, and that node must be the instance's once it has one.
     */
    private void requireOneNode(String path, List<DiskSpec> disks, String instanceNode) {
        String node = instanceNode;
        String nodeOf = instanceNode == null ? null : "the instance";
        for (DiskSpec disk : disks) {
            if (!StorageReconciler.LOCAL.equals(disk.backend())) {
                continue;
            }
            String volumeNode = storage.volume(disk.volumeUid()).map(VolumeRecord::nodeId).orElse(null);
            if (volumeNode == null) {
                continue;
            }
            if (node != null && !node.equals(volumeNode)) {
                throw ApiProblem.conflict("instance " + path + " cannot attach local volume " + disk.name() + " of node "
                        + volumeNode + ": " + nodeOf + " is on node " + node + ", and local volumes do not cross nodes"
                        + " (use a remote-durable SKU for volumes that move)");
            }
            node = volumeNode;
            nodeOf = nodeOf == null ? "its volume " + disk.name() : nodeOf;
        }
    }

    /**
     * Refuses to run {@code instance} with {@code disks} while another powered-on instance has one of them:
     * a block storage is attached to one running instance at a time (SECA remote-durable semantics; two
     * guests writing one filesystem would corrupt it).
     */
    private void requireExclusive(Instance instance, List<DiskSpec> disks) {
        Set<String> wanted = new HashSet<>();
        disks.forEach(d -> wanted.add(d.volumeUid()));
        for (Instance other : list(instance.tenant(), instance.workspace())) {
            if (other.uid().equals(instance.uid()) || other.runtime().power() != PowerState.ON || other.metadata().deleting()) {
                continue;
            }
            for (DiskSpec disk : other.runtime().disks()) {
                if (wanted.contains(disk.volumeUid())) {
                    throw ApiProblem.conflict("a block storage of instance " + instance.name() + " is attached to running instance "
                            + other.name() + "; stop it or detach the volume first");
                }
            }
        }
    }

    private static void validateNames(String tenant, String workspace, String name) {
        Validation.name("tenant", tenant);
        Validation.name("workspace", workspace);
        Validation.name("instance name", name);
    }
}
