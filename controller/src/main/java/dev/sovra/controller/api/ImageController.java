package dev.sovra.controller.api;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.controller.resource.Validation;
import dev.sovra.model.Resource;
import io.micronaut.http.annotation.Controller;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * seca.storage/v1 images: tenant-level, regional resources made from a block storage of some workspace
 * ({@code spec.blockStorageRef}), which block storages can then start from ({@code spec.sourceImageRef}).
 * For now an image is a record only: the controller validates and keeps it, but no data is copied yet
 * (the Ceph RBD snapshot of the block storage, and volumes cloned from it, come with the storage data
 * plane). Hence no {@code status.sizeMB} is reported: nothing has been captured to measure.
 */
@Controller("/providers/seca.storage/v1/tenants/{tenant}/images")
public final class ImageController extends TenantResourceController {
    private static final ResourceType TYPE = ResourceType.IMAGE;
    private static final String PROVIDER = ResourceType.IMAGE.provider();
    private static final List<String> CPU_ARCHITECTURES = List.of("amd64", "arm64");
    private static final List<String> BOOT_MODES = List.of("UEFI", "BIOS");
    private static final List<String> INITIALIZERS = List.of("none", "cloudinit-22");
    private static final int MAX_REFERENCE = 256;

    private final ComputeCatalog catalog;
    private final ResourceService.Rules rules;

    public ImageController(ResourceService resources, ComputeCatalog catalog) {
        super(resources);
        this.catalog = catalog;
        this.rules = (tenant, workspace, request, existing) -> validateSpec(tenant, request);
        // Deleting an image is never refused: volumes made from it stay (CONFORMANCE.md 5.6 wants narrow
        // delete protection; the data plane will flatten clones before the snapshot goes).
    }

    private void validateSpec(String tenant, ResourceRequest request) {
        Map<String, Object> spec = request.spec();
        Object reference = spec.get("blockStorageRef");
        if (reference == null) {
            throw ApiProblem.unprocessable("spec.blockStorageRef is required");
        }
        oneOf("spec.cpuArchitecture", spec.get("cpuArchitecture"), CPU_ARCHITECTURES, true);
        oneOf("spec.boot", spec.get("boot"), BOOT_MODES, false);
        oneOf("spec.initializer", spec.get("initializer"), INITIALIZERS, false);

        Ref storage = Ref.parse("spec.blockStorageRef", reference, "block-storages");
        storage.requireContext("spec.blockStorageRef", tenant, catalog.region());
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
        Ref image = Ref.parse(field, reference, "images");
        image.requireContext(field, tenant, region);
        if (image.workspace() != null) {
            throw ApiProblem.unprocessable(field + " must not name a workspace: images are tenant-level (images/<name>)");
        }
        return image.name();
    }

    /**
     * A reference in any of the API.md 4 forms, split into its parts: the full URN
     * ({@code seca.storage/v1/tenants/t/workspaces/w/block-storages/b}), a short form
     * ({@code workspaces/w/block-storages/b}, {@code block-storages/b}), given as a string or as an object
     * whose {@code resource} holds it and whose optional {@code provider}, {@code tenant},
     * {@code workspace}, {@code region} fill in (or must agree with) the parts the text names.
     */
    record Ref(String provider, String tenant, String workspace, String region, String name) {
        static Ref parse(String field, Object reference, String plural) {
            String resource;
            Map<?, ?> object = null;
            if (reference instanceof String text) {
                resource = text;
            } else if (reference instanceof Map<?, ?> map && map.get("resource") instanceof String text) {
                resource = text;
                object = map;
            } else {
                throw ApiProblem.unprocessable(field + " must be a reference: a string or an object with 'resource'");
            }
            if (resource.isEmpty() || resource.length() > MAX_REFERENCE) {
                throw ApiProblem.unprocessable(field + ".resource must be 1 to " + MAX_REFERENCE + " characters");
            }
            String[] segments = resource.split("/", -1);
            int at = 0;
            String provider = null;
            String tenant = null;
            String workspace = null;
            if (segments.length > 2 && segments[0].startsWith("seca.")) {
                provider = segments[0] + "/" + segments[1];
                at = 2;
            }
            if (segments.length - at > 2 && segments[at].equals("tenants")) {
                tenant = segments[at + 1];
                at += 2;
            }
            if (segments.length - at > 2 && segments[at].equals("workspaces")) {
                workspace = segments[at + 1];
                at += 2;
            }
            if (segments.length - at != 2 || !segments[at].equals(plural)) {
                throw ApiProblem.unprocessable(field + " must reference " + plural + "/<name>, was " + resource);
            }
            String name = segments[at + 1];
            Validation.name(field + " name", name);
            String region = null;
            if (object != null) {
                provider = agree(field, "provider", provider, object.get("provider"));
                tenant = agree(field, "tenant", tenant, object.get("tenant"));
                workspace = agree(field, "workspace", workspace, object.get("workspace"));
                region = agree(field, "region", null, object.get("region"));
            }
            if (tenant != null) {
                Validation.name(field + " tenant", tenant);
            }
            if (workspace != null) {
                Validation.name(field + " workspace", workspace);
            }
            return new Ref(provider, tenant, workspace, region, name);
        }

        private static String agree(String field, String part, String fromText, Object fromObject) {
            if (fromObject == null || "".equals(fromObject)) {
                return fromText;
            }
            if (!(fromObject instanceof String value)) {
                throw ApiProblem.unprocessable(field + "." + part + " must be a string");
            }
            if (fromText != null && !fromText.equals(value)) {
                throw ApiProblem.unprocessable(field + "." + part + " is " + value + " but its resource names " + fromText);
            }
            return value;
        }

        /** Refuses parts that point outside this storage provider, tenant and region. */
        void requireContext(String field, String currentTenant, String currentRegion) {
            if (provider != null && !provider.equals(PROVIDER)) {
                throw ApiProblem.unprocessable(field + " must reference a " + PROVIDER + " resource, not " + provider);
            }
            if (tenant != null && !tenant.equals(currentTenant)) {
                throw ApiProblem.unprocessable(field + " must stay in tenant " + currentTenant + ", not " + tenant);
            }
            if (region != null && !region.equals(currentRegion)) {
                throw ApiProblem.unprocessable(field + ": no region named " + region + " (this is " + currentRegion + ")");
            }
        }
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
        return SecaJson.resource(TYPE, image, verb, catalog.region());
    }
}
