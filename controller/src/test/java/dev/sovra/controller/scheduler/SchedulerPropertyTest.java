package dev.sovra.controller.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.model.Node;
import dev.sovra.model.NodeInventory;
import dev.sovra.model.NodeState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Randomized properties of {@link Scheduler#standard()} (best of k sampled candidates) on large clusters. */
class SchedulerPropertyTest {
    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    private static final String[] ZONES = {"a", "b", "c"};
    private static final int[][] SERVERS = {{8, 32768}, {16, 65536}, {32, 131072}, {64, 262144}};
    private static final int[][] SKUS = {{1, 1024}, {2, 4096}, {4, 16384}, {8, 32768}, {16, 65536}};

    private record Placement(String nodeId, PlacementRequest request) {}

    private static List<Node> cluster(Random random, int count, int downPercent) {
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] server = SERVERS[random.nextInt(SERVERS.length)];
            String id = String.format("n%04d", i);
            NodeInventory inventory = new NodeInventory(id, "cpu", server[0], server[1], List.of(), List.of("kvm"), "kvm", "generic",
                    ZONES[random.nextInt(ZONES.length)]);
            NodeState state = random.nextInt(100) < downPercent ? NodeState.DOWN : NodeState.READY;
            nodes.add(new Node(id, inventory, state, 1.0 + random.nextInt(3), 1.0, 2048, NOW, NOW));
        }
        return nodes;
    }

    private static PlacementRequest request(Random random) {
        int[] sku = SKUS[random.nextInt(SKUS.length)];
        String zone = random.nextInt(50) == 0 ? "nowhere" : ZONES[random.nextInt(ZONES.length)];
        return new PlacementRequest(new UUID(random.nextLong(), random.nextLong()).toString(), sku[0], sku[1], zone);
    }

    private static boolean anyNodeFits(ClusterSnapshot snapshot, PlacementRequest request) {
        return snapshot.nodes().stream().anyMatch(u -> u.node().state() == NodeState.READY
                && u.node().inventory().zone().equals(request.zone())
                && u.freeVcpus() >= request.vcpus() && u.freeMemoryMiB() >= request.memoryMiB());
    }

    @Test
    void manyPlacementsAndReleasesOnThousandNodesNeverOvercommitAndRespectZoneAndLiveness() {
        Random random = new Random(7);
        List<Node> nodes = cluster(random, 1000, 10);
        ClusterSnapshot snapshot = ClusterSnapshot.of(nodes, List.of());
        Scheduler scheduler = Scheduler.standard();
        List<Placement> placed = new ArrayList<>();
        Map<String, long[]> ledger = new HashMap<>(); // node -> {vcpus, memory}, kept independently of the snapshot
        int refused = 0;
        for (int step = 0; step < 30_000; step++) {
            if (!placed.isEmpty() && random.nextInt(100) < 35) {
                Placement gone = placed.remove(random.nextInt(placed.size()));
                snapshot = snapshot.withRelease(gone.nodeId(), gone.request());
                long[] held = ledger.get(gone.nodeId());
                held[0] -= gone.request().vcpus();
                held[1] -= gone.request().memoryMiB();
                continue;
            }
            PlacementRequest request = request(random);
            Scheduler.Decision decision = scheduler.place(snapshot, request);
            assertEquals(anyNodeFits(snapshot, request), decision.placed(),
                    "refuses only when no node fits, step " + step + " request " + request);
            if (!decision.placed()) {
                refused++;
                continue;
            }
            NodeUsage chosen = snapshot.node(decision.nodeId());
            assertEquals(NodeState.READY, chosen.node().state(), "liveness, step " + step);
            assertEquals(request.zone(), chosen.node().inventory().zone(), "zone, step " + step);
            snapshot = snapshot.withPlacement(decision.nodeId(), request);
            placed.add(new Placement(decision.nodeId(), request));
            long[] held = ledger.computeIfAbsent(decision.nodeId(), k -> new long[2]);
            held[0] += request.vcpus();
            held[1] += request.memoryMiB();
            NodeUsage after = snapshot.node(decision.nodeId());
            assertTrue(after.allocatedVcpus() <= after.node().allocatableVcpus(), "vCPU overcommitted, step " + step);
            assertTrue(after.allocatedMemoryMiB() <= after.node().allocatableMemoryMiB(), "memory overcommitted, step " + step);
        }
        for (NodeUsage usage : snapshot.nodes()) {
            long[] held = ledger.getOrDefault(usage.node().id(), new long[2]);
            assertEquals(held[0], usage.allocatedVcpus(), "snapshot vCPU bookkeeping of " + usage.node().id());
            assertEquals(held[1], usage.allocatedMemoryMiB(), "snapshot memory bookkeeping of " + usage.node().id());
            assertTrue(usage.freeVcpus() >= 0 && usage.freeMemoryMiB() >= 0, usage.toString());
            if (usage.node().state() == NodeState.DOWN) {
                assertEquals(0, usage.allocatedVcpus(), "nothing placed on down node " + usage.node().id());
            }
        }
        assertTrue(refused > 100, "the run must reach a full cluster to test refusals, refused=" + refused);
        assertTrue(placed.size() > 1000, "placed " + placed.size());
    }

    @Test
    void whenTheZoneHasNoMoreReadyNodesThanTheSampleTheBestNodeOverallWinsAsBefore() {
        Random random = new Random(11);
        for (int round = 0; round < 300; round++) {
            List<Node> nodes = cluster(random, 1 + random.nextInt(3 * Scheduler.DEFAULT_SAMPLE_SIZE), 20);
            ClusterSnapshot snapshot = ClusterSnapshot.of(nodes, List.of());
            for (int i = 0; i < 20; i++) {
                PlacementRequest request = request(random);
                if (snapshot.readyIn(request.zone()).length > Scheduler.DEFAULT_SAMPLE_SIZE) {
                    continue;
                }
                Scheduler.Decision sampled = Scheduler.standard().place(snapshot, request);
                Scheduler.Decision exhaustive = Scheduler.exhaustive().place(snapshot, request);
                assertEquals(exhaustive.nodeId(), sampled.nodeId(), "round " + round + " request " + request);
                assertEquals(exhaustive.rejections(), sampled.rejections());
                if (sampled.placed()) {
                    snapshot = snapshot.withPlacement(sampled.nodeId(), request);
                }
            }
        }
    }

    @Test
    void samplingStillSpreadsLoadOverEqualNodes() {
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            NodeInventory inventory = new NodeInventory("n" + i, "cpu", 64, 262144, List.of(), List.of(), "kvm", "generic", "a");
            nodes.add(new Node("n" + i, inventory, NodeState.READY, 1.0, 1.0, 0, NOW, NOW));
        }
        ClusterSnapshot snapshot = ClusterSnapshot.of(nodes, List.of());
        Random random = new Random(3);
        for (int i = 0; i < 3000; i++) {
            PlacementRequest request = new PlacementRequest(new UUID(random.nextLong(), random.nextLong()).toString(), 1, 1024, "a");
            snapshot = snapshot.withPlacement(Scheduler.standard().place(snapshot, request).nodeId(), request);
        }
        int most = snapshot.nodes().stream().mapToInt(NodeUsage::allocatedVcpus).max().orElseThrow();
        int least = snapshot.nodes().stream().mapToInt(NodeUsage::allocatedVcpus).min().orElseThrow();
        assertTrue(most - least <= 2, "3 instances per node on average; most=" + most + " least=" + least);
    }

    @Test
    void checksAcceptExactlyWhatTheyDoNotReject() {
        Random random = new Random(5);
        List<FeasibilityCheck> checks = List.of(new NodeReadyCheck(), new ZoneCheck(), new CapacityCheck());
        List<Node> nodes = cluster(random, 200, 30);
        ClusterSnapshot snapshot = ClusterSnapshot.of(nodes, List.of());
        for (int i = 0; i < 2000; i++) {
            PlacementRequest request = request(random);
            NodeUsage usage = snapshot.nodes().stream().skip(random.nextInt(200)).findFirst().orElseThrow();
            usage = new NodeUsage(usage.node(), random.nextInt(usage.node().allocatableVcpus() + 1),
                    (long) (random.nextDouble() * usage.node().allocatableMemoryMiB()));
            for (FeasibilityCheck check : checks) {
                assertEquals(check.reject(usage, request).isEmpty(), check.accepts(usage, request), check + " " + usage + " " + request);
            }
        }
    }

    @Test
    void releaseUndoesPlacementAndRefusesToReleaseWhatIsNotHeld() {
        ClusterSnapshot snapshot = ClusterSnapshot.of(cluster(new Random(1), 10, 0), List.of());
        String nodeId = snapshot.nodeIds().get(3);
        PlacementRequest request = new PlacementRequest("i", 2, 2048, "a");
        ClusterSnapshot placed = snapshot.withPlacement(nodeId, request);
        assertEquals(2, placed.node(nodeId).allocatedVcpus());
        assertEquals(0, snapshot.node(nodeId).allocatedVcpus(), "snapshots are immutable");
        assertEquals(snapshot.node(nodeId), placed.withRelease(nodeId, request).node(nodeId));
        assertFalse(placed.withRelease(nodeId, request).node(nodeId).allocatedMemoryMiB() > 0);
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> snapshot.withRelease(nodeId, request));
        assertTrue(refused.getMessage().contains(nodeId), refused.getMessage());
    }
}
