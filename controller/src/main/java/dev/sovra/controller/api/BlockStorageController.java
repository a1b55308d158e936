package dev.sovra.controller.api;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.compute.InstanceService;
import dev.sovra.controller.resource.ListQuery;
import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.controller.storage.StorageNaming;
import dev.sovra.controller.storage.StorageReconciler;
import dev.sovra.model.Instance;
import dev.sovra.model.PowerState;
import dev.sovra.model.Resource;
import dev.sovra.model.ResourceState;
import dev.sovra.model.ResourceStatus;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * seca.storage/v1 block storages. The controller keeps the resource and enforces the SECA rules (SKU,
 * size that only grows, a source image that exists when the volume is created); the volume itself is made,
 * grown and deleted by the node that manages it ({@link StorageReconciler}), and the resource is
 * {@code active} only once that node reports the volume ready at its size.
 */
@Controller("/providers/seca.storage/v1/tenants/{tenant}/workspaces/{workspace}/block-storages")
public final class BlockStorageController {
    private static final ResourceType TYPE = ResourceType.BLOCK_STORAGE;
    private static final long MAX_SIZE_GB = 1_000_000;

    private final ResourceService resources;
    private final InstanceService instances;
    private final StorageReconciler storage;
    private final ComputeCatalog catalog;
    private final ResourceService.Rules rules;

    public BlockStorageController(ResourceService resources, InstanceService instances, StorageReconciler storage,
                                  ComputeCatalog catalog) {
        this.resources = resources;
        this.instances = instances;
        this.storage = storage;
        this.catalog = catalog;
        this.rules = new ResourceService.Rules() {
            @Override
            public void validate(String tenant, String workspace, ResourceRequest request, Resource existing) {
                validateSpec(tenant, request, existing);
            }

            @Override
            public void checkDelete(Resource blockStorage) {
                Optional<Instance> user = usedBy(blockStorage);
                if (user.isPresent()) {
                    throw ApiProblem.conflict("block storage " + blockStorage.name() + " is attached to instance "
                            + user.get().name() + "; detach it or delete the instance first");
                }
            }

            /** Created when its node has made the volume. */
            @Override
            public ResourceStatus createdStatus(Instant now) {
                return ResourceStatus.pending(now).then(ResourceState.CREATING, now, "Creating");
            }

            /** Growing is the node's work; anything else is applied at once. */
            @Override
            public ResourceStatus updatedStatus(Resource existing, ResourceRequest request, Instant now) {
                if (existing.status().state() != ResourceState.ACTIVE) {
                    return existing.status();
                }
                long before = ((Number) existing.spec().get("sizeGB")).longValue();
                long after = ((Number) request.spec().get("sizeGB")).longValue();
                return after > before ? existing.status().then(ResourceState.UPDATING, now, "Resizing")
                        : existing.status().updatedActive(now);
            }
        };
    }

    private void validateSpec(String tenant, ResourceRequest request, Resource existing) {
        Map<String, Object> spec = request.spec();
        String sku = References.name("spec.skuRef", spec.get("skuRef"), "skus", TYPE.provider(), tenant, null, catalog.region());
        if (sku == null) {
            throw ApiProblem.unprocessable("spec.skuRef is required");
        }
        ComputeCatalog.CatalogSku storageSku = catalog.storageSku(sku)
                .orElseThrow(() -> ApiProblem.unprocessable("spec.skuRef: no storage SKU named " + sku));
        if (!(spec.get("sizeGB") instanceof Number size) || size.doubleValue() != Math.rint(size.doubleValue())) {
            throw ApiProblem.unprocessable("spec.sizeGB is required and must be a whole number of GB");
        }
        int minimum = ((Number) storageSku.spec().get("minVolumeSize")).intValue();
        // Compared as a double: a BigInteger beyond long would wrap in longValue() and slip into range.
        if (size.doubleValue() < Math.max(1, minimum) || size.doubleValue() > MAX_SIZE_GB) {
            throw ApiProblem.unprocessable("spec.sizeGB must be between " + Math.max(1, minimum) + " and " + MAX_SIZE_GB);
        }
        long sizeGB = size.longValue();
        String image = sourceImage(tenant, spec);
        if (existing != null) {
            String previousSku = References.name("spec.skuRef", existing.spec().get("skuRef"), "skus", TYPE.provider(), tenant, null,
                    catalog.region());
            if (!sku.equals(previousSku)) {
                throw ApiProblem.unprocessable("spec.skuRef is immutable (was " + previousSku + ")");
            }
            long previousSize = ((Number) existing.spec().get("sizeGB")).longValue();
            if (sizeGB < previousSize) {
                throw ApiProblem.unprocessable("spec.sizeGB cannot be decreased (from " + previousSize + " to " + sizeGB + ")");
            }
            // A volume is initialised from its image once, when it is created; a later change could not be
            // honoured (the spec does not say; Sovra treats it like skuRef). An image deleted since then does
            // not block updates of the volume.
            String previousImage = sourceImage(tenant, existing.spec());
            if (!Objects.equals(image, previousImage)) {
                throw ApiProblem.unprocessable("spec.sourceImageRef is immutable (was "
                        + (previousImage == null ? "not set" : "images/" + previousImage) + ")");
            }
        } else if (image != null && resources.get(ResourceType.IMAGE, tenant, null, image).isEmpty()) {
            throw ApiProblem.unprocessable("spec.sourceImageRef: image " + image + " does not exist in tenant " + tenant);
        }
    }

    /** The image name of {@code spec.sourceImageRef} (tenant-level images), or null without one. */
    private String sourceImage(String tenant, Map<String, Object> spec) {
        Object reference = spec.get("sourceImageRef");
        return reference == null ? null : ImageController.imageName("spec.sourceImageRef", reference, tenant, catalog.region());
    }

    /** An instance that has the block storage among its volumes, preferring a running one. */
    private Optional<Instance> usedBy(Resource blockStorage) {
        String uid = StorageNaming.uid(blockStorage);
        return instances.list(blockStorage.tenant(), blockStorage.workspace()).stream()
                .filter(i -> i.runtime().disks().stream().anyMatch(d -> d.volumeUid().equals(uid)))
                .min(java.util.Comparator.comparing((Instance i) -> i.runtime().power() != PowerState.ON));
    }

    @Put("/{name}")
    public HttpResponse<Map<String, Object>> put(@PathVariable String tenant, @PathVariable String workspace,
                                                 @PathVariable String name, @Nullable @Body Map<String, Object> body,
                                                 @Nullable @Header("if-unmodified-since") Long ifUnmodifiedSince) {
        ResourceBody resource = ResourceBody.of(body);
        if (resource == null) {
            throw ApiProblem.unprocessable("a block storage needs a body with spec");
        }
        ResourceService.PutResult result = resources.put(TYPE, tenant, workspace, name, resource.toRequest(true), ifUnmodifiedSince, rules);
        return HttpResponse.<Map<String, Object>>status(result.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .body(render(result.resource(), "PUT"));
    }

    @Get("/{name}")
    public Map<String, Object> get(@PathVariable String tenant, @PathVariable String workspace, @PathVariable String name) {
        return render(resources.require(TYPE, tenant, workspace, name), "GET");
    }

    @Get
    public Map<String, Object> list(@PathVariable String tenant, @PathVariable String workspace, @Nullable @QueryValue String labels,
                                    @Nullable @QueryValue Integer limit, @Nullable @QueryValue String skipToken) {
        ResourceService.Page page = resources.list(TYPE, tenant, workspace, ListQuery.parse(labels, limit, skipToken));
        return SecaJson.page(TYPE.provider(), TYPE.plural(), page.items().stream().map(r -> render(r, "GET")).toList(),
                page.skipToken());
    }

    @Delete("/{name}")
    public HttpResponse<Void> delete(@PathVariable String tenant, @PathVariable String workspace, @PathVariable String name,
                                     @Nullable @Header("if-unmodified-since") Long ifUnmodifiedSince) {
        resources.delete(TYPE, tenant, workspace, name, ifUnmodifiedSince, rules);
        return HttpResponse.accepted();
    }

    private Map<String, Object> render(Resource storage, String verb) {
        Map<String, Object> body = SecaJson.resource(TYPE, storage, verb, catalog.region());
        @SuppressWarnings("unchecked")
        Map<String, Object> status = new LinkedHashMap<>((Map<String, Object>) body.get("status"));
        // The size the node reports once the volume exists; until then the size asked for.
        Object size = this.storage.volume(StorageNaming.uid(storage)).filter(v -> v.observed() != null && v.observed().sizeMiB() > 0)
                .<Object>map(v -> v.observed().sizeMiB() / 1024).orElse(storage.spec().get("sizeGB"));
        status.put("sizeGB", size);
        usedBy(storage).ifPresent(i -> status.put("attachedTo", Map.of("resource", "instances/" + i.name())));
        body.put("status", status);
        return body;
    }
}
