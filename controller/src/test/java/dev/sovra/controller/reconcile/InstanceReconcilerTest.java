package dev.sovra.controller.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.network.NetworkReconciler;
import dev.sovra.controller.node.CapacityPolicy;
import dev.sovra.controller.node.NodeRegistry;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.scheduler.PlacementWorkers;
import dev.sovra.controller.scheduler.Scheduler;
import dev.sovra.controller.storage.ImageRecord;
import dev.sovra.controller.storage.StorageReconciler;
import dev.sovra.controller.storage.VolumeRecord;
import dev.sovra.controller.store.MvStateStore;
import dev.sovra.controller.store.Repository;
import dev.sovra.controller.store.Repository.Versioned;
import dev.sovra.model.Instance;
import dev.sovra.model.InstanceSpec;
import dev.sovra.model.InstanceStatus;
import dev.sovra.model.Node;
import dev.sovra.model.NodeInventory;
import dev.sovra.model.PowerState;
import dev.sovra.model.ResourceMetadata;
import dev.sovra.model.ResourceState;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reconcile pass places its pending instances with several placement workers through the plan applier:
 * what lands in the store never exceeds a node's capacity or breaks anti-affinity, what does not fit says
 * why, and a restarted controller (a new reconciler over the same store) keeps every placement.
 */
class InstanceReconcilerTest {
    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final int NODES = 6;
    private static final int VCPUS_PER_NODE = 8; // 4 CPUs, cpu overcommit 2.0

    @TempDir
    Path dir;
    private MvStateStore store;
    private Repository<Instance> instances;
    private NodeRegistry nodes;
    private StorageReconciler storage;

    @BeforeEach
    void store() {
        store = MvStateStore.open(dir.resolve("state.mv.db"));
        instances = new Repository<>(store, "instances", Instance.class);
        nodes = new NodeRegistry(new Repository<>(store, "nodes", Node.class),
                new CapacityPolicy(new CapacityPolicy.Ratios(2.0, 1.0), Map.of(), 0), CLOCK);
        ComputeCatalog catalog = new ComputeCatalog("r", List.of("a"), Map.of(), Map.of(), List.of(), List.of());
        storage = new StorageReconciler(new Repository<>(store, "volumes", VolumeRecord.class),
                new Repository<>(store, "image-data", ImageRecord.class), new ResourceService(store, "r", CLOCK), catalog, "local", CLOCK);
        for (int i = 0; i <= NODES; i++) {
            String id = "node-" + i;
            nodes.markReady(id, new NodeInventory(id, "cpu", 4, VCPUS_PER_NODE * 1024, List.of(), List.of("kvm"), "kvm", "generic", "a"));
        }
        nodes.markDown("node-" + NODES, "test: a down node takes nothing");
    }

    @AfterEach
    void close() {
        store.close();
    }

    private InstanceReconciler reconciler(int workers) {
        // No node reports an underlay here, so the network step plans nothing and needs no network resources.
        NetworkReconciler network = new NetworkReconciler(() -> {
            throw new AssertionError("network resources are read only when a node does tenant networking");
        }, CLOCK);
        return new InstanceReconciler(instances, storage, network, nodes, Scheduler.standard(), new PlacementWorkers(workers, 4, 8),
                CLOCK, Duration.ofHours(1));
    }

    private void create(String name, String antiAffinityGroup, int order) {
        String uid = UUID.nameUUIDFromBytes(name.getBytes()).toString();
        String path = Instance.path("t", "w", name);
        InstanceSpec runtime = new InstanceSpec(uid, path, 1, 1024, null, List.of(), List.of(), PowerState.ON, 0);
        Map<String, Object> spec = antiAffinityGroup == null ? Map.of() : Map.of("antiAffinityGroup", antiAffinityGroup);
        Instance instance = new Instance("t", "w", name, Map.of(), Map.of(), Map.of(), "seca.d2xs", "a", "boot", spec, runtime, null,
                InstanceStatus.pending(NOW, "Creating", null), ResourceMetadata.created(NOW.plusMillis(order)));
        assertTrue(instances.compareAndPut(path, instance, 0).isPresent());
    }

    private Map<String, String> placements() {
        Map<String, String> placed = new HashMap<>();
        for (Versioned<Instance> entry : instances.list()) {
            if (entry.value().nodeId() != null) {
                placed.put(entry.id(), entry.value().nodeId());
            }
        }
        return placed;
    }

    @Test
    void fourWorkersFillTheNodesExactlyWithinCapacityAndAntiAffinityAndTheRestSaysNoCapacity() {
        for (int i = 0; i < 200; i++) {
            create("vm-" + i, i % 2 == 0 ? "db" : null, i);
        }
        try (InstanceReconciler reconciler = reconciler(4)) {
            for (int pass = 0; pass < 3; pass++) { // a placement that lost its races 8 times waits for the next pass
                reconciler.pass();
            }
        }

        Map<String, Integer> vcpusByNode = new HashMap<>();
        Map<String, Set<String>> groupsByNode = new HashMap<>();
        for (Versioned<Instance> entry : instances.list()) {
            Instance instance = entry.value();
            if (instance.nodeId() == null) {
                assertEquals(ResourceState.PENDING, instance.status().state(), instance.name());
                assertEquals("NoCapacity", instance.status().conditions().get(0).reason(), instance.name());
                continue;
            }
            assertEquals(ResourceState.CREATING, instance.status().state(), instance.name());
            assertEquals("Scheduled", instance.status().conditions().get(0).reason());
            vcpusByNode.merge(instance.nodeId(), instance.runtime().vcpus(), Integer::sum);
            if (instance.spec().get("antiAffinityGroup") != null) {
                assertTrue(groupsByNode.computeIfAbsent(instance.nodeId(), k -> new HashSet<>()).add("db"),
                        "two instances of group db on " + instance.nodeId());
            }
        }
        assertNull(vcpusByNode.get("node-" + NODES), "nothing on the down node");
        assertEquals(NODES, vcpusByNode.size());
        vcpusByNode.forEach((node, vcpus) -> assertEquals(VCPUS_PER_NODE, vcpus, "every node filled exactly, " + node));
        assertEquals(NODES, groupsByNode.size(), "one db instance per node");
    }

    @Test
    void aRestartedControllerKeepsEveryPlacementAndPlacesOnlyWhatIsNew() {
        for (int i = 0; i < 30; i++) {
            create("vm-" + i, null, i);
        }
        try (InstanceReconciler reconciler = reconciler(2)) {
            reconciler.pass();
        }
        Map<String, String> before = placements();
        assertEquals(30, before.size());

        for (int i = 30; i < 40; i++) {
            create("vm-" + i, null, i);
        }
        try (InstanceReconciler restarted = reconciler(3)) { // the applier's view is rebuilt from the stored placements
            restarted.pass();
            restarted.pass();
        }
        Map<String, String> after = placements();
        assertEquals(40, after.size());
        before.forEach((instance, node) -> assertEquals(node, after.get(instance), "placement of " + instance + " kept"));
        Map<String, Long> perNode = after.values().stream().collect(Collectors.groupingBy(n -> n, Collectors.counting()));
        perNode.forEach((node, count) -> assertTrue(count <= VCPUS_PER_NODE, node + " holds " + count));
        assertNotEquals(1, perNode.size(), "load spreads over the nodes");
    }
}
