package dev.sovra.controller.compute;

import dev.sovra.controller.reconcile.ReconcileTrigger;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.controller.resource.Validation;
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
import java.util.List;
import java.util.Optional;
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
    private final ComputeCatalog catalog;
    private final KernelBoot bootLoader;
    private final ReconcileTrigger reconciler;
    private final Clock clock;

    /**
     * @param bootLoader the kernel every instance boots until images exist: its boot volume is attached as
     *     the first disk
     */
    public InstanceService(Repository<Instance> instances, ResourceService resources, ComputeCatalog catalog, KernelBoot bootLoader,
                           ReconcileTrigger reconciler, Clock clock) {
        this.instances = instances;
        this.resources = resources;
        this.catalog = catalog;
        this.bootLoader = bootLoader;
        this.reconciler = reconciler;
        this.clock = clock;
    }

    /** Outcome of a PUT: the stored instance and whether it was newly created. */
    public record PutResult(Instance instance, boolean created) {}

    public PutResult put(String tenant, String workspace, String name, InstanceRequest request, Long ifUnmodifiedSince) {
        validateNames(tenant, workspace, name);
        Validation.labels(request.labels(), request.annotations(), null);
        if (resources.get(ResourceType.WORKSPACE, tenant, null, workspace).isEmpty()) {
            throw ApiProblem.unprocessable("workspace " + workspace + " does not exist in tenant " + tenant);
        }
        String path = Instance.path(tenant, workspace, name);
        ComputeCatalog.Sku sku = resolveSku(request.sku());
        String zone = resolveZone(request.zone());
        DiskSpec bootDisk = resolveBootVolume(tenant, workspace, request.bootVolume());
        while (true) {
            Optional<Versioned<Instance>> current = instances.get(path);
            Instant now = clock.instant();
            if (current.isEmpty()) {
                if (ifUnmodifiedSince != null) {
                    throw ApiProblem.notFound("instance " + path + " does not exist, so it cannot match if-unmodified-since");
                }
                // SECA: a new instance is powered off until it is started.
                InstanceSpec runtime = new InstanceSpec(UUID.randomUUID().toString(), path, sku.vcpus(), sku.memoryMiB(),
                        bootLoader, List.of(bootDisk), List.of(), PowerState.OFF, 0);
                Instance created = new Instance(tenant, workspace, name, request.labels(), request.annotations(), sku.name(), zone,
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
            // Only the envelope changes, which needs nothing from the node: the update is applied at once.
            InstanceStatus status = existing.status().state() == ResourceState.ACTIVE
                    ? existing.status().transition(ResourceState.UPDATING, now, "Updating", null)
                            .transition(ResourceState.ACTIVE, now, "Updated", null)
                    : existing.status();
            Instance updated = existing.withEnvelope(request.labels(), request.annotations(), request.spec())
                    .withStatus(status).withMetadata(existing.metadata().modified(now));
            if (instances.compareAndPut(path, updated, current.get().revision()).isPresent()) {
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

    /** The boot volume's block storage, realised for now as a sparse local disk of the same size on the node. */
    private DiskSpec resolveBootVolume(String tenant, String workspace, String bootVolume) {
        if (bootVolume == null || bootVolume.isBlank()) {
            throw ApiProblem.unprocessable("spec.bootVolume.deviceRef is required");
        }
        Resource storage = resources.get(ResourceType.BLOCK_STORAGE, tenant, workspace, bootVolume)
                .orElseThrow(() -> ApiProblem.unprocessable("spec.bootVolume.deviceRef: block storage " + bootVolume
                        + " does not exist in workspace " + workspace));
        long sizeGB = ((Number) storage.spec().get("sizeGB")).longValue();
        return new DiskSpec("boot", sizeGB * 1024);
    }

    private static void validateNames(String tenant, String workspace, String name) {
        Validation.name("tenant", tenant);
        Validation.name("workspace", workspace);
        Validation.name("instance name", name);
    }
}
