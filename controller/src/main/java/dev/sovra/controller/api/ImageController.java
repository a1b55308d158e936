package dev.sovra.controller.api;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.resource.Reference;
import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.controller.resource.Validation;
import dev.sovra.controller.storage.ImageRecord;
import dev.sovra.controller.storage.StorageNaming;
import dev.sovra.controller.storage.StorageReconciler;
import dev.sovra.model.Resource;
import dev.sovra.model.ResourceState;
import dev.sovra.model.ResourceStatus;
import io.micronaut.http.annotation.Controller;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * seca.storage/v1 images: tenant-level, regional resources made from a block storage of some workspace
 * ({@code spec.blockStorageRef}), which block storages can then start from ({@code spec.sourceImageRef}).
 * An image's data is a full copy of the block storage's content, made once by the node that manages it
 * (an RBD image with a protected snapshot, or a read-only qcow2 file); volumes made from it are
 * copy-on-write clones. The resource is {@code active} once the copy exists, and reports its size.
 * Deleting the resource is never refused: the copy stays on its backend while clones of it exist.
 */
@Controller("/providers/seca.storage/v1/tenants/{tenant}/images")
public final class ImageController extends TenantResourceController {
    private static final ResourceType TYPE = ResourceType.IMAGE;
    private static final String PROVIDER = ResourceType.IMAGE.provider();
    private static final List<String> CPU_ARCHITECTURES = List.of("amd64", "arm64");
    private static final List<String> BOOT_MODES = List.of("UEFI", "BIOS");
    private static final List<String> INITIALIZERS = List.of("none", "cloudinit-22");

    private final ComputeCatalog catalog;
    private final StorageReconciler storage;
    private final ResourceService.Rules rules;

    public ImageController(ResourceService resources, ComputeCatalog catalog, StorageReconciler storage) {
        super(resources);
        this.catalog = catalog;
        this.storage = storage;
        this.rules = new ResourceService.Rules() {
            @Override
            public void validate(String tenant, String workspace, ResourceRequest request, Resource existing) {
                validateSpec(tenant, request, existing);
            }

            /** Created when its node has copied the block storage's content. */
            @Override
            public ResourceStatus createdStatus(Instant now) {
                return ResourceStatus.pending(now).then(ResourceState.CREATING, now, "Copying");
            }

            @Override
            public ResourceStatus updatedStatus(Resource existing, ResourceRequest request, Instant now) {
                return existing.status().state() == ResourceState.ACTIVE ? existing.status().updatedActive(now) : existing.status();
            }
        };
        // Deleting an image is never refused (CONFORMANCE.md 5.6 wants narrow delete protection): volumes
        // cloned from it keep its data alive on the backend until they are gone.
    }

    private void validateSpec(String tenant, ResourceRequest request, Resource existing) {
        Map<String, Object> spec = request.spec();
        Object reference = spec.get("blockStorageRef");
        if (reference == null) {
            throw ApiProblem.unprocessable("spec.blockStorageRef is required");
        }
        oneOf("spec.cpuArchitecture", spec.get("cpuArchitecture"), CPU_ARCHITECTURES, true);
        oneOf("spec.boot", spec.get("boot"), BOOT_MODES, false);
        oneOf("spec.initializer", spec.get("initializer"), INITIALIZERS, false);

        Reference storage = Reference.parse("spec.blockStorageRef", reference, "block-storages");
        if (existing != null) {
            Reference before = Reference.parse("spec.blockStorageRef", existing.spec().get("blockStorageRef"), "block-storages");
            if (!before.name().equals(storage.name()) || !java.util.Objects.equals(before.workspace(), storage.workspace())) {
                // The content was copied when the image was made; another source would need another image.
                throw ApiProblem.unprocessable("spec.blockStorageRef is immutable (was workspaces/" + before.workspace()
                        + "/block-storages/" + before.name() + ")");
            }
            return;
        }
        storage.requireContext("spec.blockStorageRef", PROVIDER, tenant, catalog.region());
        if (storage.workspace() == null) {
            throw ApiProblem.unprocessable("spec.blockStorageRef must name the block storage's workspace, since images are"
                    + " tenant-level: workspaces/<workspace>/block-storages/<name> or the full URN");
        }
        if (resources.get(ResourceType.WORKSPACE, tenant, null, storage.workspace()).isEmpty()) {
            throw ApiProblem.unprocessable("spec.blockStorageRef: workspace " + storage.workspace() + " does not exist in tenant "
                    + tenant);
        }
        // CONFORMANCE.md 5.2: Usage.V1.FoundationProviders creates an image before its block storage and
        // expects it to become active, while Storage.V1.ImageError expects 412 for a block storage that was
        // never created in an existing workspace; both send the same reference shape. Sovra refuses the
        // dangling reference, as API.md 4 requires and as the data plane will need (an image is a snapshot
        // of a volume that must exist), knowingly failing that step of the Usage scenario.
        if (resources.get(ResourceType.BLOCK_STORAGE, tenant, storage.workspace(), storage.name()).isEmpty()) {
            throw ApiProblem.unprocessable("spec.blockStorageRef: block storage " + storage.name() + " does not exist in workspace "
                    + storage.workspace());
        }
    }

    private static void oneOf(String field, Object value, List<String> allowed, boolean required) {
        if (value == null) {
            if (required) {
                throw ApiProblem.unprocessable(field + " is required: one of " + String.join(", ", allowed));
            }
            return;
        }
        if (!(value instanceof String text) || !allowed.contains(text)) {
            throw ApiProblem.unprocessable(field + " must be one of " + String.join(", ", allowed) + ", was " + value);
        }
    }

    /** The spec as stored: as sent, with the v1.7 defaults {@code boot: UEFI} and {@code initializer: none} filled in. */
    private static ResourceRequest withDefaults(ResourceRequest request) {
        Map<String, Object> spec = new LinkedHashMap<>(request.spec());
        if (spec.get("boot") == null) {
            spec.put("boot", "UEFI");
        }
        if (spec.get("initializer") == null) {
            spec.put("initializer", "none");
        }
        return new ResourceRequest(request.labels(), request.annotations(), request.extensions(), request.region(), spec);
    }

    /**
     * The name of the image that {@code reference} (a block storage's {@code spec.sourceImageRef}) points
     * at, in {@code tenant}: {@code images/<name>} or the full URN, as a string or an object. Images are
     * tenant-level, so a workspace part, another tenant, provider or region is refused. Existence is the
     * caller's check.
     */
    static String imageName(String field, Object reference, String tenant, String region) {
        Reference image = Reference.parse(field, reference, "images");
        image.requireContext(field, PROVIDER, tenant, region);
        if (image.workspace() != null) {
            throw ApiProblem.unprocessable(field + " must not name a workspace: images are tenant-level (images/<name>)");
        }
        return image.name();
    }

    @Override
    protected ResourceType type() {
        return TYPE;
    }

    @Override
    protected ResourceService.PutResult write(String tenant, String name, ResourceRequest request, Long ifUnmodifiedSince) {
        return resources.put(TYPE, tenant, null, name, withDefaults(request), ifUnmodifiedSince, rules);
    }

    @Override
    protected void remove(String tenant, String name, Long ifUnmodifiedSince) {
        resources.delete(TYPE, tenant, null, name, ifUnmodifiedSince, rules);
    }

    @Override
    protected Map<String, Object> render(Resource image, String verb) {
        Map<String, Object> body = SecaJson.resource(TYPE, image, verb, catalog.region());
        storage.image(StorageNaming.uid(image)).filter(ImageRecord::ready).ifPresent(record -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> status = new LinkedHashMap<>((Map<String, Object>) body.get("status"));
            status.put("sizeMB", Math.max(1, record.observed().sizeMiB()));
            body.put("status", status);
        });
        return body;
    }
}
