package dev.sovra.controller.resource;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.store.Repository;
import dev.sovra.controller.store.Repository.Versioned;
import dev.sovra.controller.store.StateStore;
import dev.sovra.model.Resource;
import dev.sovra.model.ResourceMetadata;
import dev.sovra.model.ResourceStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Create-or-replace, read, list and delete for the SECA resources the controller realises itself.
 * Such a resource exists as soon as it is stored, so its lifecycle is written synchronously:
 * a create records pending, creating, active; an update records updating, active; a delete removes it.
 * Kind-specific rules plug in as {@link Rules}.
 */
public final class ResourceService {
    private static final Logger log = LoggerFactory.getLogger(ResourceService.class);

    /** Providers whose workspace-scoped records this service stores (instances live in their own repository). */
    private static final java.util.List<String> WORKSPACE_CONTENT_PROVIDERS = java.util.List.of("seca.storage/v1", "seca.network/v1");

    private final Repository<Resource> resources;
    private final String region;
    private final Clock clock;

    public ResourceService(StateStore store, String region, Clock clock) {
        this.resources = Repository.decodeCached(store, "resources", Resource.class); // the storage pass lists them all
        this.region = region;
        this.clock = clock;
    }

    /** What a kind adds to the shared contract: spec validation and delete protection. */
    public interface Rules {
        /** Validates the spec of a create (existing == null) or an update; throws ApiProblem to refuse. */
        void validate(String tenant, String workspace, ResourceRequest request, Resource existing);

        /** Refuses a delete that would leave dependants dangling; default allows. */
        default void checkDelete(Resource resource) {}

        /** The status of a new resource; by default it is realised at once (pending, creating, active). */
        default ResourceStatus createdStatus(Instant now) {
            return ResourceStatus.createdActive(now);
        }

        /** The status after an accepted update; by default applied at once (updating, active). */
        default ResourceStatus updatedStatus(Resource existing, ResourceRequest request, Instant now) {
            return existing.status().updatedActive(now);
        }
    }

    public record PutResult(Resource resource, boolean created) {}

    public record Page(List<Resource> items, String skipToken) {}

    public PutResult put(ResourceType type, String tenant, String workspace, String name, ResourceRequest request,
                         Long ifUnmodifiedSince, Rules rules) {
        Validation.name("tenant", tenant);
        if (type.workspaceScoped()) {
            Validation.name("workspace", workspace);
        }
        Validation.name(type.kind() + " name", name);
        Validation.labels(request.labels(), request.annotations(), request.extensions());
        if (request.region() != null && !request.region().equals(region)) {
            throw ApiProblem.unprocessable("metadata.region: no region named " + request.region() + " (this is " + region + ")");
        }
        if (type.workspaceScoped() && get(ResourceType.WORKSPACE, tenant, null, workspace).isEmpty()) {
            throw ApiProblem.unprocessable("workspace " + workspace + " does not exist in tenant " + tenant);
        }
        String key = key(type, tenant, workspace, name);
        while (true) {
            Optional<Versioned<Resource>> current = resources.get(key);
            Instant now = clock.instant();
            Resource existing = current.map(Versioned::value).orElse(null);
            if (existing == null && ifUnmodifiedSince != null) {
                throw ApiProblem.notFound(type.kind() + " " + name + " does not exist");
            }
            if (existing != null) {
                checkVersion(existing, ifUnmodifiedSince);
                if (existing.metadata().deleting()) {
                    throw ApiProblem.conflict(type.kind() + " " + name + " is being deleted");
                }
            }
            rules.validate(tenant, workspace, request, existing);
            Resource next = existing == null
                    ? new Resource(type.kind(), tenant, workspace, name, request.labels(), request.annotations(),
                            request.extensions(), request.spec(), rules.createdStatus(now), ResourceMetadata.created(now))
                    : new Resource(type.kind(), tenant, workspace, name, request.labels(), request.annotations(),
                            request.extensions(), request.spec(), rules.updatedStatus(existing, request, now),
                            existing.metadata().modified(now));
            if (resources.compareAndPut(key, next, current.map(Versioned::revision).orElse(0L)).isPresent()) {
                log.info("{} {} ref={}", type.kind(), existing == null ? "created" : "updated", type.path(tenant, workspace, name));
                return new PutResult(next, existing == null);
            }
        }
    }

    public Optional<Resource> get(ResourceType type, String tenant, String workspace, String name) {
        return resources.get(key(type, tenant, workspace, name)).map(Versioned::value);
    }

    public Resource require(ResourceType type, String tenant, String workspace, String name) {
        return get(type, tenant, workspace, name)
                .orElseThrow(() -> ApiProblem.notFound(type.kind() + " " + type.path(tenant, workspace, name) + " does not exist"));
    }

    public Page list(ResourceType type, String tenant, String workspace, ListQuery query) {
        String prefix = type.provider() + "/" + type.collection(tenant, workspace) + "/";
        List<Resource> items = new ArrayList<>();
        String last = null;
        boolean more = false;
        for (Versioned<Resource> entry : resources.list(prefix)) {
            if (query.after() != null && entry.id().compareTo(query.after()) <= 0) {
                continue;
            }
            if (!query.labels().matches(entry.value().labels())) {
                continue;
            }
            if (items.size() == query.limit()) {
                more = true;
                break;
            }
            items.add(entry.value());
            last = entry.id();
        }
        return new Page(items, more ? ListQuery.token(last) : null);
    }

    /** Every resource of a type in every tenant (and workspace), for the data-plane reconcilers. */
    public List<Resource> everywhere(ResourceType type) {
        return resources.list(type.provider() + "/tenants/").stream().map(Versioned::value)
                .filter(r -> r.kind().equals(type.kind())).toList();
    }

    /**
     * Replaces the status of the resource {@code expected} names, if it still is that resource (same creation
     * time, not being deleted). A status change is not a modification by the tenant, so resourceVersion stays.
     *
     * @return false when the resource is gone or was re-created meanwhile
     */
    public boolean replaceStatus(ResourceType type, Resource expected, java.util.function.UnaryOperator<ResourceStatus> change) {
        String key = key(type, expected.tenant(), expected.workspace(), expected.name());
        while (true) {
            Optional<Versioned<Resource>> current = resources.get(key);
            if (current.isEmpty() || !current.get().value().metadata().createdAt().equals(expected.metadata().createdAt())) {
                return false;
            }
            Resource resource = current.get().value();
            ResourceStatus next = change.apply(resource.status());
            if (next.equals(resource.status())) {
                return true;
            }
            Resource updated = new Resource(resource.kind(), resource.tenant(), resource.workspace(), resource.name(),
                    resource.labels(), resource.annotations(), resource.extensions(), resource.spec(), next, resource.metadata());
            if (resources.compareAndPut(key, updated, current.get().revision()).isPresent()) {
                return true;
            }
        }
    }

    /** All resources of a type in a workspace (or tenant), for dependency checks. */
    public List<Resource> all(ResourceType type, String tenant, String workspace) {
        return resources.list(type.provider() + "/" + type.collection(tenant, workspace) + "/").stream().map(Versioned::value).toList();
    }

    /**
     * Removes every record this service keeps inside a workspace (storage and network resources), for a
     * workspace delete that cascades to what has no effect outside the controller.
     *
     * @return how many records were removed
     */
    public int deleteWorkspaceContents(String tenant, String workspace) {
        int removed = 0;
        for (String provider : WORKSPACE_CONTENT_PROVIDERS) {
            for (Versioned<Resource> entry : resources.list(provider + "/tenants/" + tenant + "/workspaces/" + workspace + "/")) {
                if (resources.compareAndDelete(entry.id(), entry.revision())) {
                    removed++;
                }
            }
        }
        if (removed > 0) {
            log.info("workspace contents deleted tenant={} workspace={} records={}", tenant, workspace, removed);
        }
        return removed;
    }

    public void delete(ResourceType type, String tenant, String workspace, String name, Long ifUnmodifiedSince, Rules rules) {
        String key = key(type, tenant, workspace, name);
        while (true) {
            Versioned<Resource> current = resources.get(key)
                    .orElseThrow(() -> ApiProblem.notFound(type.kind() + " " + type.path(tenant, workspace, name) + " does not exist"));
            checkVersion(current.value(), ifUnmodifiedSince);
            rules.checkDelete(current.value());
            if (resources.compareAndDelete(key, current.revision())) {
                log.info("{} deleted ref={}", type.kind(), type.path(tenant, workspace, name));
                return;
            }
        }
    }

    private static void checkVersion(Resource existing, Long ifUnmodifiedSince) {
        if (ifUnmodifiedSince != null && ifUnmodifiedSince != existing.metadata().resourceVersion()) {
            throw ApiProblem.preconditionFailed(existing.kind() + " " + existing.name() + " is at resourceVersion "
                    + existing.metadata().resourceVersion() + ", not " + ifUnmodifiedSince);
        }
    }

    private static String key(ResourceType type, String tenant, String workspace, String name) {
        return type.provider() + "/" + type.path(tenant, workspace, name);
    }
}
