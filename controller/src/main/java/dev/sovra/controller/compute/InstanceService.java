package dev.sovra.controller.compute;

import dev.sovra.controller.reconcile.ReconcileTrigger;
import dev.sovra.controller.store.Repository;
import dev.sovra.controller.store.Repository.Versioned;
import dev.sovra.model.Instance;
import dev.sovra.model.InstanceSpec;
import dev.sovra.model.InstanceStatus;
import dev.sovra.model.KernelBoot;
import dev.sovra.model.PowerState;
import dev.sovra.model.ResourceMetadata;
import dev.sovra.model.ResourceState;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compute use cases behind the SECA instance endpoints. Every change is written durably as
 * desired state first; the reconciler and the node agents make it real afterwards.
 */
public final class InstanceService {
    private static final Logger log = LoggerFactory.getLogger(InstanceService.class);
    private static final Pattern NAME = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
    private static final int MAX_NAME_LENGTH = 128;

    private final Repository<Instance> instances;
    private final ComputeCatalog catalog;
    private final ReconcileTrigger reconciler;
    private final Clock clock;

    public InstanceService(Repository<Instance> instances, ComputeCatalog catalog, ReconcileTrigger reconciler, Clock clock) {
        this.instances = instances;
        this.catalog = catalog;
        this.reconciler = reconciler;
        this.clock = clock;
    }

    /** Outcome of a PUT: the stored instance and whether it was newly created. */
    public record PutResult(Instance instance, boolean created) {}

    public PutResult put(String tenant, String workspace, String name, InstanceRequest request, Long ifUnmodifiedSince) {
        validateNames(tenant, workspace, name);
        String path = Instance.path(tenant, workspace, name);
        ComputeCatalog.Sku sku = resolveSku(request.sku());
        String zone = resolveZone(request.zone());
        KernelBoot boot = resolveBootImage(request.bootImage());
        while (true) {
            Optional<Versioned<Instance>> current = instances.get(path);
            Instant now = clock.instant();
            if (current.isEmpty()) {
                if (ifUnmodifiedSince != null) {
                    throw ApiProblem.notFound("instance " + path + " does not exist, so it cannot match if-unmodified-since");
                }
                InstanceSpec runtime = new InstanceSpec(UUID.randomUUID().toString(), path, sku.vcpus(), sku.memoryMiB(),
                        boot, List.of(), List.of(), PowerState.ON, 0);
                Instance created = new Instance(tenant, workspace, name, request.labels(), sku.name(), zone,
                        request.bootImage(), runtime, null,
                        InstanceStatus.pending(now, "Scheduling", "waiting for placement"), ResourceMetadata.created(now));
                if (instances.compareAndPut(path, created, 0).isPresent()) {
                    log.info("instance created ref={} uid={} sku={} zone={}", path, runtime.uid(), sku.name(), zone);
                    reconciler.trigger();
                    return new PutResult(created, true);
                }
                continue;
            }
            Instance existing = current.get().value();
            checkVersion(existing, ifUnmodifiedSince);
            if (existing.metadata().deleting()) {
                throw ApiProblem.conflict("instance " + path + " is being deleted");
            }
            if (!existing.sku().equals(sku.name())) {
                throw ApiProblem.unprocessable("spec.skuRef is immutable (instance " + path + " has sku " + existing.sku() + ")");
            }
            if (!existing.zone().equals(zone)) {
                throw ApiProblem.unprocessable("spec.zone is immutable (instance " + path + " is in zone " + existing.zone() + ")");
            }
            if (!existing.bootImage().equals(request.bootImage())) {
                throw ApiProblem.unprocessable("spec.bootVolume is immutable (instance " + path + " boots " + existing.bootImage() + ")");
            }
            Instance updated = existing.withLabels(request.labels()).withMetadata(existing.metadata().modified(now));
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

    private KernelBoot resolveBootImage(String bootImage) {
        if (bootImage == null || bootImage.isBlank()) {
            throw ApiProblem.unprocessable("spec.bootVolume.deviceRef is required");
        }
        return catalog.bootImage(bootImage).orElseThrow(() -> ApiProblem.unprocessable(
                "spec.bootVolume.deviceRef: no boot image named " + bootImage));
    }

    private static void validateNames(String... names) {
        for (String name : names) {
            if (name == null || name.length() > MAX_NAME_LENGTH || !NAME.matcher(name).matches()) {
                throw ApiProblem.badRequest("invalid name '" + name + "': lower-case letters, digits, '-' and '.', at most "
                        + MAX_NAME_LENGTH + " characters");
            }
        }
    }
}
