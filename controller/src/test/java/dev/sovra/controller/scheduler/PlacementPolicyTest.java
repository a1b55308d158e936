package dev.sovra.controller.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
        return IntStream.range(0, count).mapToObj(i -> node(String.format(count > 100 ? "n%04d" : "n%02d", i))).toList();
    }

    /** {@code count} nodes, each {@code usedMiB} (and as many vCPU per GiB) used, except the given ones. */
    private static ClusterSnapshot zone(int count, long usedMiB, Map<String, Long> exceptions) {
        List<Node> nodes = nodes(count);
        List<Instance> instances = new ArrayList<>();
        for (Node node : nodes) {
            long used = exceptions.getOrDefault(node.id(), usedMiB);
            if (used > 0) {
                instances.add(placed(node.id(), (int) (used / 1024), used));
            }
        }
        return ClusterSnapshot.of(nodes, instances);
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
    void binPackOnALargeZoneFillsOneNodeBeforeOpeningAnother() {
        Map<String, Integer> perNode = place(Scheduler.standard(PlacementPolicy.BINPACK), ClusterSnapshot.of(nodes(500), List.of()), 80);
        assertEquals(10, perNode.size(), "80 instances, eight per node: " + perNode);
        assertTrue(perNode.values().stream().allMatch(count -> count == 8), perNode.toString());
    }

    @Test
    void binPackFindsTheFullestNodeThatFitsAnywhereInALargeZone() {
        ClusterSnapshot snapshot = zone(1000, 4096, Map.of("n0737", 7168L, "n0123", 8192L));
        for (int i = 0; i < 20; i++) { // whatever the uid, the one node with 1 GiB left is the fullest that fits
            assertEquals("n0737", Scheduler.standard(PlacementPolicy.BINPACK).place(snapshot,
                    new PlacementRequest("small-" + i, 1, 1024, "a")).nodeId());
        }
        String large = Scheduler.standard(PlacementPolicy.BINPACK).place(snapshot, new PlacementRequest("large", 2, 2048, "a")).nodeId();
        assertTrue(large != null && !large.equals("n0737") && !large.equals("n0123"), large);
    }

    @Test
    void spreadOnALargeZoneStillSpreadsAndDecisionsStartAtDifferentNodes() {
        ClusterSnapshot empty = ClusterSnapshot.of(nodes(300), List.of());
        assertEquals(300, place(Scheduler.standard(PlacementPolicy.SPREAD), empty, 300).size(), "one instance per node");
        Set<String> chosen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            chosen.add(Scheduler.standard(PlacementPolicy.SPREAD).place(empty, new PlacementRequest("uid-" + i, 1, 1024, "a")).nodeId());
        }
        assertTrue(chosen.size() >= 40, "concurrent workers deciding on one snapshot must not all pick the same node: " + chosen);
    }

    @Test
    void onMixedNodeSizesBothPoliciesRankByShareNotByFreeMemory() {
        List<Node> nodes = new ArrayList<>();
        List<Instance> instances = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String id = String.format("n%04d", i);
            boolean big = i % 2 == 0; // big: 64 GiB, half used (32 GiB free); small: 8 GiB, empty
            NodeInventory inventory = new NodeInventory(id, "cpu", big ? 32 : 4, big ? 65536 : 8192, List.of(), List.of("qemu"), "qemu",
                    "generic", "a");
            nodes.add(new Node(id, inventory, NodeState.READY, 2.0, 1.0, 0, NOW, NOW));
            if (big) {
                instances.add(placed(id, 32, 32768));
            }
        }
        ClusterSnapshot snapshot = ClusterSnapshot.of(nodes, instances);
        for (int i = 0; i < 20; i++) {
            String chosen = Scheduler.standard(PlacementPolicy.SPREAD).place(snapshot, new PlacementRequest("s" + i, 1, 1024, "a")).nodeId();
            assertEquals(8192, snapshot.node(chosen).node().inventory().memoryMiB(), "an empty small node, not a half-full big one");
            String packed = Scheduler.standard(PlacementPolicy.BINPACK).place(snapshot, new PlacementRequest("b" + i, 1, 1024, "a")).nodeId();
            assertEquals(65536, snapshot.node(packed).node().inventory().memoryMiB(), "bin-pack: a half-full node, not an empty one");
        }
        String large = Scheduler.standard(PlacementPolicy.SPREAD).place(snapshot, new PlacementRequest("large", 2, 16384, "a")).nodeId();
        assertEquals(65536, snapshot.node(large).node().inventory().memoryMiB(), "only the big nodes have 16 GiB free");
    }

    @Test
    void aNearlyFullZoneStillFindsTheLastFreeNodesWithoutWalkingTheFullOnes() {
        ClusterSnapshot snapshot = zone(2000, 8192, Map.of("n1234", 6144L, "n0500", 7168L)); // 2 GiB and 1 GiB left
        CountingCheck visits = new CountingCheck();
        for (PlacementPolicy policy : PlacementPolicy.values()) {
            Scheduler scheduler = new Scheduler(List.of(visits, new NodeReadyCheck(), new ZoneCheck(), new CapacityCheck(),
                    new AntiAffinityCheck()), CandidatePool.READY_IN_ZONE, Scheduler.DEFAULT_SAMPLE_SIZE, policy);
            assertEquals("n1234", scheduler.place(snapshot, new PlacementRequest("two", 2, 2048, "a")).nodeId(), policy.name());
            assertEquals(policy == PlacementPolicy.BINPACK ? "n0500" : "n1234",
                    scheduler.place(snapshot, new PlacementRequest("one", 1, 1024, "a")).nodeId(), policy.name());
            assertFalse(scheduler.place(snapshot, new PlacementRequest("four", 4, 4096, "a")).placed(), policy.name());
        }
        assertTrue(visits.count <= 10, "decisions visit the nodes with room, not the 2,000 full ones: visited " + visits.count);
        Scheduler.Decision refused = Scheduler.standard(PlacementPolicy.BINPACK).place(snapshot, new PlacementRequest("four", 4, 4096, "a"));
        assertEquals("needs 4 vCPU, 2 free", refused.rejections().get("n1234"), "refused with every node's reason, as before");
    }

    /** Counts the nodes decisions visit: placed first among the checks, it sees every candidate. */
    private static final class CountingCheck implements FeasibilityCheck {
        private int count;

        @Override
        public Optional<String> reject(NodeUsage node, PlacementRequest request) {
            count++;
            return Optional.empty();
        }
    }

    @Test
    void policyNamesParseAndAnUnknownOneIsRefusedWithTheChoices() {
        assertEquals(PlacementPolicy.BINPACK, PlacementPolicy.parse("binpack"));
        assertEquals(PlacementPolicy.SPREAD, PlacementPolicy.parse(" Spread "));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> PlacementPolicy.parse("random"));
        assertTrue(refused.getMessage().contains("[spread, binpack]"), refused.getMessage());
    }

    private static Instance placed(String nodeId, int vcpus, long memoryMiB) {
        String uid = nodeId + "-" + vcpus + "-" + memoryMiB;
        InstanceSpec spec = new InstanceSpec(uid, "tenants/t/workspaces/w/instances/" + uid, vcpus, memoryMiB, null, List.of(),
                List.of(), PowerState.ON, 0);
        return new Instance("t", "w", uid, Map.of(), Map.of(), Map.of(), "sku", "a", "bs", Map.of(), spec, nodeId,
                InstanceStatus.pending(NOW, "x", null), ResourceMetadata.created(NOW));
    }
}
