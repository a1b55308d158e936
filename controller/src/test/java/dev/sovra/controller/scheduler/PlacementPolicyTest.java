package dev.sovra.controller.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.model.Instance;
import dev.sovra.model.InstanceSpec;
import dev.sovra.model.InstanceStatus;
import dev.sovra.model.Node;
import dev.sovra.model.NodeInventory;
import dev.sovra.model.NodeState;
import dev.sovra.model.PowerState;
import dev.sovra.model.ResourceMetadata;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Spread and bin-pack on snapshot fixtures: which nodes the same requests end up on. */
class PlacementPolicyTest {
    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

    /** 4 logical CPUs x 2.0 = 8 vCPU, 8 GiB: eight 1 vCPU / 1 GiB instances fill one. */
    private static Node node(String id) {
        NodeInventory inventory = new NodeInventory(id, "cpu", 4, 8192, List.of(), List.of("qemu"), "qemu", "generic", "a");
        return new Node(id, inventory, NodeState.READY, 2.0, 1.0, 0, NOW, NOW);
    }

    private static List<Node> nodes(int count) {
        return IntStream.range(0, count).mapToObj(i -> node(String.format("n%02d", i))).toList();
    }

    /** Places {@code count} 1 vCPU / 1 GiB instances one after the other; returns instances per node. */
    private static Map<String, Integer> place(Scheduler scheduler, ClusterSnapshot snapshot, int count) {
        Map<String, Integer> perNode = new HashMap<>();
        for (int i = 0; i < count; i++) {
            PlacementRequest request = new PlacementRequest("i" + i, 1, 1024, "a");
            Scheduler.Decision decision = scheduler.place(snapshot, request);
            assertTrue(decision.placed(), "request " + i + ": " + (decision.placed() ? "" : decision.summary()));
            snapshot = snapshot.withPlacement(decision.nodeId(), request);
            perNode.merge(decision.nodeId(), 1, Integer::sum);
        }
        return perNode;
    }

    @Test
    void spreadPutsTenInstancesOnTenEmptyNodes() {
        Map<String, Integer> perNode = place(Scheduler.standard(PlacementPolicy.SPREAD), ClusterSnapshot.of(nodes(10), List.of()), 10);
        assertEquals(10, perNode.size(), perNode.toString());
    }

    @Test
    void binPackPutsTenInstancesOnAsFewNodesAsFit() {
        Map<String, Integer> perNode = place(Scheduler.standard(PlacementPolicy.BINPACK), ClusterSnapshot.of(nodes(10), List.of()), 10);
        assertEquals(Map.of("n00", 8, "n01", 2), perNode, "eight fit on a node, so two nodes");
    }

    @Test
    void binPackTakesTheFullestNodeThatStillFitsAndSpreadTheEmptiest() {
        List<Instance> existing = new ArrayList<>();
        existing.add(placed("n00", 7, 7168)); // 1 vCPU / 1 GiB left: fits one more
        existing.add(placed("n01", 5, 5120));
        existing.add(placed("n02", 8, 8192)); // full
        ClusterSnapshot snapshot = ClusterSnapshot.of(nodes(4), existing);
        PlacementRequest small = new PlacementRequest("small", 1, 1024, "a");
        PlacementRequest large = new PlacementRequest("large", 2, 2048, "a");
        assertEquals("n00", Scheduler.standard(PlacementPolicy.BINPACK).place(snapshot, small).nodeId());
        assertEquals("n01", Scheduler.standard(PlacementPolicy.BINPACK).place(snapshot, large).nodeId(), "n00 is too full");
        assertEquals("n03", Scheduler.standard(PlacementPolicy.SPREAD).place(snapshot, small).nodeId());
        assertEquals("n03", Scheduler.exhaustive(PlacementPolicy.SPREAD).place(snapshot, large).nodeId());
        assertEquals("n01", Scheduler.exhaustive(PlacementPolicy.BINPACK).place(snapshot, large).nodeId());
    }

    @Test
    void policyNamesParseAndAnUnknownOneIsRefusedWithTheChoices() {
        assertEquals(PlacementPolicy.BINPACK, PlacementPolicy.parse("binpack"));
        assertEquals(PlacementPolicy.SPREAD, PlacementPolicy.parse(" Spread "));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> PlacementPolicy.parse("random"));
        assertTrue(refused.getMessage().contains("[spread, binpack]"), refused.getMessage());
    }

    private static Instance placed(String nodeId, int vcpus, long memoryMiB) {
        String uid = nodeId + "-" + vcpus;
        InstanceSpec spec = new InstanceSpec(uid, "tenants/t/workspaces/w/instances/" + uid, vcpus, memoryMiB, null, List.of(),
                List.of(), PowerState.ON, 0);
        return new Instance("t", "w", uid, Map.of(), Map.of(), "sku", "a", "bs", Map.of(), spec, nodeId,
                InstanceStatus.pending(NOW, "x", null), ResourceMetadata.created(NOW));
    }
}
