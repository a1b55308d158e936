package dev.sovra.controller.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

    private static Node node(String id, String zone, int cpus, long memoryMiB, NodeState state) {
        NodeInventory inventory = new NodeInventory(id, "cpu", cpus, memoryMiB, List.of(), List.of("qemu"), "qemu", "generic", zone);
        return new Node(id, inventory, state, 2.0, 1.0, 0, NOW, NOW);
    }

    private static Instance placed(String nodeId, int vcpus, long memoryMiB) {
        String uid = UUID.randomUUID().toString();
        InstanceSpec spec = new InstanceSpec(uid, "tenants/t/workspaces/w/instances/" + uid, vcpus, memoryMiB, null, List.of(),
                List.of(), PowerState.ON, 0);
        return new Instance("t", "w", uid, Map.of(), Map.of(), Map.of(), "sku", "a", "bs", Map.of(), spec, nodeId, InstanceStatus.pending(NOW, "x", null),
                ResourceMetadata.created(NOW));
    }

    @Test
    void placesOnlyWhereCapacityZoneAndLivenessAllow() {
        ClusterSnapshot snapshot = ClusterSnapshot.of(List.of(
                node("down", "a", 64, 65536, NodeState.DOWN),
                node("other-zone", "b", 64, 65536, NodeState.READY),
                node("full", "a", 2, 4096, NodeState.READY),
                node("fits", "a", 2, 4096, NodeState.READY)),
                List.of(placed("full", 4, 1024)));
        Scheduler.Decision decision = Scheduler.standard().place(snapshot, new PlacementRequest("i", 2, 2048, "a"));
        assertEquals("fits", decision.nodeId());
        assertTrue(decision.rejections().get("down").contains("down"));
        assertTrue(decision.rejections().get("other-zone").contains("zone"));
        assertTrue(decision.rejections().get("full").contains("vCPU"));
    }

    @Test
    void overcommitRatioBoundsAllocatableCpuAndMemoryIsNeverOvercommittedBeyondItsRatio() {
        Node node = node("n", "a", 2, 4096, NodeState.READY); // cpu ratio 2.0 -> 4 vCPU, memory ratio 1.0
        ClusterSnapshot snapshot = ClusterSnapshot.of(List.of(node), List.of());
        Scheduler scheduler = Scheduler.standard();
        PlacementRequest one = new PlacementRequest("i", 1, 1024, "a");
        int placedCount = 0;
        for (int i = 0; i < 10; i++) {
            Scheduler.Decision decision = scheduler.place(snapshot, one);
            if (!decision.placed()) {
                break;
            }
            snapshot = snapshot.withPlacement(decision.nodeId(), one);
            placedCount++;
        }
        assertEquals(4, placedCount, "4 x 1 GiB fits 4 GiB and 4 vCPU");
        Scheduler.Decision refused = scheduler.place(snapshot, one);
        assertFalse(refused.placed());
        assertNull(refused.nodeId());
    }

    @Test
    void spreadsAcrossEquallyFitNodes() {
        ClusterSnapshot snapshot = ClusterSnapshot.of(List.of(node("n1", "a", 8, 8192, NodeState.READY),
                node("n2", "a", 8, 8192, NodeState.READY)), List.of(placed("n1", 2, 2048)));
        assertEquals("n2", Scheduler.standard().place(snapshot, new PlacementRequest("i", 1, 1024, "a")).nodeId());
    }

    @Test
    void explainsWhyNothingFits() {
        Scheduler.Decision decision = Scheduler.standard().place(ClusterSnapshot.of(List.of(), List.of()),
                new PlacementRequest("i", 1, 1024, "a"));
        assertFalse(decision.placed());
        assertEquals("no nodes registered", decision.summary());
    }

    @Test
    void instancesOfOneAntiAffinityGroupNeverShareANode() {
        ClusterSnapshot snapshot = ClusterSnapshot.of(List.of(node("n1", "a", 8, 8192, NodeState.READY),
                node("n2", "a", 8, 8192, NodeState.READY)), List.of());
        Scheduler scheduler = Scheduler.standard();
        PlacementRequest first = new PlacementRequest("i1", 1, 512, "a", "t/w/db");
        String firstNode = scheduler.place(snapshot, first).nodeId();
        snapshot = snapshot.withPlacement(firstNode, first);
        PlacementRequest second = new PlacementRequest("i2", 1, 512, "a", "t/w/db");
        String secondNode = scheduler.place(snapshot, second).nodeId();
        assertTrue(secondNode != null && !secondNode.equals(firstNode), "the second replica goes to the other node");
        snapshot = snapshot.withPlacement(secondNode, second);

        Scheduler.Decision third = scheduler.place(snapshot, new PlacementRequest("i3", 1, 512, "a", "t/w/db"));
        assertFalse(third.placed(), "two nodes hold at most two replicas");
        assertTrue(third.summary().contains("anti-affinity"), third.summary());
        assertTrue(scheduler.place(snapshot, new PlacementRequest("i4", 1, 512, "a", "t/other/db")).placed(),
                "groups are per workspace");
        assertTrue(scheduler.place(snapshot.withRelease(firstNode, first), new PlacementRequest("i5", 1, 512, "a", "t/w/db")).placed(),
                "a released replica frees its node for the group");
    }
}
