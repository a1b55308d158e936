package dev.sovra.controller.admin;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.node.AgentGateway;
import dev.sovra.controller.node.EnrolmentService;
import dev.sovra.controller.node.NodeRegistry;
import dev.sovra.controller.scheduler.ClusterSnapshot;
import dev.sovra.controller.scheduler.NodeUsage;
import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.resource.ResourceType;
import dev.sovra.controller.resource.Validation;
import dev.sovra.controller.storage.ImageRecord;
import dev.sovra.controller.storage.StorageNaming;
import dev.sovra.controller.storage.StorageReconciler;
import dev.sovra.controller.store.Repository;
import dev.sovra.controller.store.Repository.Versioned;
import dev.sovra.model.Instance;
import dev.sovra.model.Node;
import dev.sovra.model.NodeState;
import dev.sovra.model.Resource;
import dev.sovra.model.ResourceState;
import dev.sovra.model.ResourceStatus;
import dev.sovra.model.StorageObservation;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.serde.annotation.Serdeable;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Operator endpoints of the appliance, not part of SECA: nodes with their capacity, where instances
 * run, and enrolment tokens for new nodes. Answered only to clients on this host (loopback) until
 * operator authentication exists.
 */
@Controller("/internal/v1")
public final class AdminController {
    private final NodeRegistry nodes;
    private final Repository<Instance> instances;
    private final EnrolmentService enrolment;
    private final AgentGateway gateway;
    private final StorageReconciler storage;
    private final ResourceService resources;

    public AdminController(NodeRegistry nodes, Repository<Instance> instances, EnrolmentService enrolment, AgentGateway gateway,
                           StorageReconciler storage, ResourceService resources) {
        this.resources = resources;
        this.nodes = nodes;
        this.instances = instances;
        this.enrolment = enrolment;
        this.gateway = gateway;
        this.storage = storage;
    }

    /** A volume or image on its backend, as the controller tracks it (deleted resources stay until their data is gone). */
    @Serdeable
    public record StorageView(String uid, String ref, String backend, @Nullable String node, boolean present, long sizeMiB,
                              String observed, String message, @Nullable String source) {}

    /**
     * @param draining an operator drains the node: no new instances go there
     * @param cpuFeatures the CPU features the node's hypervisor gives guests, null when the agent does not report them
     */
    @Serdeable
    public record NodeView(String id, String state, boolean connected, String zone, String hardwareProfile, String domainType,
                           int logicalCpus, long memoryMiB, int allocatableVcpus, long allocatableMemoryMiB,
                           int allocatedVcpus, long allocatedMemoryMiB, String stateSince, List<CapacityView> storage,
                           boolean draining, @Nullable List<String> cpuFeatures) {}

    /** Space of one storage backend of a node, as it said at its last Hello. */
    @Serdeable
    public record CapacityView(String backend, long totalMiB, long freeMiB) {}

    @Serdeable
    /** @param nodeState the state of the instance's node ({@code ready}, {@code down}), null while unplaced */
    public record InstanceView(String ref, String uid, @Nullable String node, @Nullable String nodeState, String state,
                               String powerState, String desiredPower, long restartGeneration, boolean deleting) {}

    @Serdeable
    public record TokenRequest(@Nullable Long ttlSeconds) {}

    @Serdeable
    public record TokenView(String token, long ttlSeconds) {}

    @Get("/nodes")
    public List<NodeView> nodes(HttpRequest<?> request) {
        requireLocal(request);
        List<Node> all = nodes.list();
        ClusterSnapshot snapshot = snapshot(all);
        return all.stream().sorted(Comparator.comparing(Node::id)).map(node -> view(node, snapshot.node(node.id()))).toList();
    }

    /** Drains the node: the scheduler places no new instances (and the storage reconciler no new local volumes) there. */
    @Post("/nodes/{id}/drain")
    public NodeView drain(HttpRequest<?> request, String id) {
        return setDraining(request, id, true);
    }

    /** Ends a drain: the node takes new instances again. */
    @Post("/nodes/{id}/undrain")
    public NodeView undrain(HttpRequest<?> request, String id) {
        return setDraining(request, id, false);
    }

    private NodeView setDraining(HttpRequest<?> request, String id, boolean draining) {
        requireLocal(request);
        Node node = nodes.setDraining(id, draining).orElseThrow(() -> ApiProblem.notFound("no node named " + id));
        return view(node, snapshot(List.of(node)).node(node.id()));
    }

    private ClusterSnapshot snapshot(List<Node> all) {
        return ClusterSnapshot.of(all, instances.list().stream().map(Versioned::value).toList());
    }

    private NodeView view(Node node, NodeUsage usage) {
        return new NodeView(node.id(), node.state().name().toLowerCase(), gateway.connected(node.id()),
                node.inventory().zone(), node.inventory().hardwareProfile(), node.inventory().domainType(),
                node.inventory().logicalCpus(), node.inventory().memoryMiB(), node.allocatableVcpus(),
                node.allocatableMemoryMiB(), usage.allocatedVcpus(), usage.allocatedMemoryMiB(),
                String.valueOf(node.stateSince()), node.inventory().storageCapacity().stream()
                        .map(c -> new CapacityView(c.backend(), c.totalMiB(), c.freeMiB())).toList(),
                node.draining(), node.inventory().cpuFeatures());
    }

    @Get("/instances")
    public List<InstanceView> instances(HttpRequest<?> request) {
        requireLocal(request);
        Map<String, String> nodeStates = new HashMap<>();
        nodes.list().forEach(node -> nodeStates.put(node.id(), node.state().name().toLowerCase()));
        return instances.list().stream().map(Versioned::value).map(i -> new InstanceView(i.path(), i.uid(), i.nodeId(),
                i.nodeId() == null ? null : nodeStates.get(i.nodeId()), i.status().state().name().toLowerCase(),
                i.status().powerState().name().toLowerCase(),
                i.runtime().power().name().toLowerCase(), i.runtime().restartGeneration(), i.metadata().deleting())).toList();
    }

    @Get("/volumes")
    public List<StorageView> volumes(HttpRequest<?> request) {
        requireLocal(request);
        return storage.volumes().stream().map(v -> new StorageView(v.uid(), v.ref(), v.backend(), v.nodeId(), v.present(),
                v.sizeMiB(), observed(v.observed()), v.observed() == null ? "" : v.observed().message(), v.sourceImageUid())).toList();
    }

    @Get("/images")
    public List<StorageView> images(HttpRequest<?> request) {
        requireLocal(request);
        return storage.images().stream().map(AdminController::view).toList();
    }

    /**
     * An operator's image import: {@code file} (qcow2 or raw) lies on {@code node}; SCS scs-0102 metadata
     * ({@code os_distro}, {@code os_version}, ...) goes into the image's annotations.
     */
    @Serdeable
    public record ImportRequest(String tenant, String name, String file, @Nullable String node, @Nullable String backend,
                                @Nullable String cpuArchitecture, @Nullable Map<String, String> annotations) {}

    /**
     * Imports an image file lying on a node into the tenant's image catalogue: the SECA image is created at once
     * ({@code creating}); the node converts the file and the image turns {@code active}. Progress is in
     * {@code GET /internal/v1/images} (message {@code importing NN%}). Repeating the call is harmless.
     */
    @Post("/images/import")
    public HttpResponse<StorageView> importImage(HttpRequest<?> request, @Body ImportRequest body) {
        requireLocal(request);
        Validation.name("tenant", body.tenant());
        Validation.name("image name", body.name());
        if (body.file() == null || !body.file().startsWith("/")) {
            throw ApiProblem.unprocessable("file must be an absolute path on the node");
        }
        List<Node> ready = nodes.list().stream().filter(n -> n.state() == NodeState.READY).toList();
        Node node = body.node() != null
                ? ready.stream().filter(n -> n.id().equals(body.node())).findFirst()
                        .orElseThrow(() -> ApiProblem.unprocessable("node " + body.node() + " is not a ready node"))
                : ready.size() == 1 ? ready.get(0) : null;
        if (node == null) {
            throw ApiProblem.unprocessable("name the node holding the file (ready nodes: "
                    + ready.stream().map(Node::id).toList() + ")");
        }
        String backend = body.backend() != null ? body.backend() : storage.backendFor("seca.rd500");
        if (!node.inventory().storageBackends().contains(backend)) {
            throw ApiProblem.unprocessable("node " + node.id() + " has no '" + backend + "' storage backend");
        }
        String architecture = body.cpuArchitecture() == null ? "amd64" : body.cpuArchitecture();
        if (!List.of("amd64", "arm64").contains(architecture)) {
            throw ApiProblem.unprocessable("cpuArchitecture must be amd64 or arm64");
        }
        Map<String, String> annotations = new java.util.LinkedHashMap<>(body.annotations() == null ? Map.of() : body.annotations());
        annotations.putIfAbsent("image_source", body.file());
        annotations.putIfAbsent("architecture", "amd64".equals(architecture) ? "x86_64" : "aarch64");
        Resource image = resources.get(ResourceType.IMAGE, body.tenant(), null, body.name()).orElseGet(() -> resources.put(
                ResourceType.IMAGE, body.tenant(), null, body.name(),
                new ResourceRequest(Map.of(), annotations, Map.of(), null,
                        Map.of("cpuArchitecture", architecture, "boot", "BIOS", "initializer", "none")),
                null, IMPORTED).resource());
        ImageRecord record = storage.image(StorageNaming.uid(image))
                .orElseGet(() -> storage.recordImport(image, node.id(), backend, body.file()));
        return HttpResponse.accepted().body(view(record));
    }

    /** Images an operator imports: created when their node has converted the file. */
    private static final ResourceService.Rules IMPORTED = new ResourceService.Rules() {
        @Override
        public void validate(String tenant, String workspace, ResourceRequest request, Resource existing) {
        }

        @Override
        public ResourceStatus createdStatus(java.time.Instant now) {
            return ResourceStatus.pending(now).then(ResourceState.CREATING, now, "Importing");
        }
    };

    private static StorageView view(ImageRecord i) {
        return new StorageView(i.uid(), i.ref(), i.backend(), i.nodeId(), i.present(),
                i.observed() == null ? 0 : i.observed().sizeMiB(), observed(i.observed()),
                i.observed() == null ? "" : i.observed().message(), i.sourceVolumeUid() != null ? i.sourceVolumeUid() : i.importFile());
    }

    private static String observed(StorageObservation observation) {
        return observation == null ? "unknown" : observation.state().name().toLowerCase();
    }

    @Post("/enrolment-tokens")
    public TokenView mintToken(HttpRequest<?> request, @Nullable @Body TokenRequest body) {
        requireLocal(request);
        long ttl = body == null || body.ttlSeconds() == null ? 3600 : body.ttlSeconds();
        if (ttl < 1 || ttl > 7 * 24 * 3600) {
            throw ApiProblem.unprocessable("ttlSeconds must be between 1 and 604800");
        }
        return new TokenView(enrolment.mint(Duration.ofSeconds(ttl)).toString(), ttl);
    }

    static void requireLocal(HttpRequest<?> request) {
        InetSocketAddress address = request.getRemoteAddress();
        if (address == null || address.getAddress() == null || !address.getAddress().isLoopbackAddress()) {
            throw ApiProblem.forbidden("operator endpoints answer only on the appliance itself");
        }
    }
}
