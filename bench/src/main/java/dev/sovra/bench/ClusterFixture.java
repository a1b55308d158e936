package dev.sovra.bench;

import dev.sovra.controller.scheduler.ClusterSnapshot;
import dev.sovra.controller.scheduler.PlacementRequest;
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
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * A realistic, reproducible cluster for scheduler benchmarks: racks of mixed server sizes spread over
 * three zones, about 5 % of nodes down, every node already 0-75 % allocated by instances of the SKU
 * mix (or, with a fixed fill, each node filled to that share), and a stream of pending instances of the
 * same mix asking for random zones.
 */
public final class ClusterFixture {
    static final String[] ZONES = {"a", "b", "c"};
    /** logical CPUs and memory (MiB) of the server models in the fleet. */
    private static final int[][] SERVERS = {{32, 128 * 1024}, {64, 256 * 1024}, {96, 384 * 1024}, {128, 512 * 1024}};
    /** vCPU and memory (MiB) of the instance SKUs. */
    private static final int[][] SKUS = {{1, 1024}, {2, 4096}, {2, 8192}, {4, 16384}, {8, 32768}, {16, 65536}};
    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

    private final List<Node> nodes;
    private final List<Instance> instances;
    private final Random random;

    private ClusterFixture(List<Node> nodes, List<Instance> instances, Random random) {
        this.nodes = nodes;
        this.instances = instances;
        this.random = random;
    }

    public static ClusterFixture create(int nodeCount, long seed) {
        return create(nodeCount, seed, Double.NaN);
    }

    /**
     * @param fill NaN for the default (each node filled to a random 0-75 %); else every node is filled with random SKUs
     *     that still fit under that share of its vCPU and memory, until not even the smallest does (a nearly full fleet)
     */
    public static ClusterFixture create(int nodeCount, long seed, double fill) {
        Random random = new Random(seed);
        List<Node> nodes = new ArrayList<>(nodeCount);
        List<Instance> instances = new ArrayList<>();
        for (int i = 0; i < nodeCount; i++) {
            String id = String.format("r%03d-n%02d", i / 40, i % 40);
            int[] server = SERVERS[random.nextInt(SERVERS.length)];
            NodeState state = random.nextInt(100) < 5 ? NodeState.DOWN : NodeState.READY;
            NodeInventory inventory = new NodeInventory(id, "x86_64", server[0], server[1], List.of(), List.of("kvm"),
                    "kvm", "generic", ZONES[(i / 40) % ZONES.length]);
            Node node = new Node(id, inventory, state, 2.0, 1.0, 8192, NOW, NOW);
            nodes.add(node);
            boolean fixedFill = !Double.isNaN(fill);
            double share = fixedFill ? fill : random.nextDouble() * 0.75;
            int vcpus = 0;
            long memory = 0;
            while (true) {
                int[] sku = SKUS[random.nextInt(SKUS.length)];
                if (vcpus + sku[0] > node.allocatableVcpus() * share || memory + sku[1] > node.allocatableMemoryMiB() * share) {
                    boolean smallestFits = vcpus + SKUS[0][0] <= node.allocatableVcpus() * share
                            && memory + SKUS[0][1] <= node.allocatableMemoryMiB() * share;
                    if (fixedFill && smallestFits) {
                        continue;
                    }
                    break;
                }
                vcpus += sku[0];
                memory += sku[1];
                instances.add(instance(id, sku[0], sku[1], random));
            }
        }
        return new ClusterFixture(List.copyOf(nodes), List.copyOf(instances), random);
    }

    public ClusterSnapshot snapshot() {
        return ClusterSnapshot.of(nodes, instances);
    }

    public int instanceCount() {
        return instances.size();
    }

    /** Pending instances of the SKU mix, each asking for a random zone. */
    public PlacementRequest[] requests(int count) {
        PlacementRequest[] requests = new PlacementRequest[count];
        for (int i = 0; i < count; i++) {
            int[] sku = SKUS[random.nextInt(SKUS.length)];
            requests[i] = new PlacementRequest(new UUID(random.nextLong(), random.nextLong()).toString(), sku[0], sku[1],
                    ZONES[random.nextInt(ZONES.length)]);
        }
        return requests;
    }

    private static Instance instance(String nodeId, int vcpus, long memoryMiB, Random random) {
        String uid = new UUID(random.nextLong(), random.nextLong()).toString();
        InstanceSpec spec = new InstanceSpec(uid, "tenants/t/workspaces/w/instances/" + uid, vcpus, memoryMiB, null, List.of(),
                List.of(), PowerState.ON, 0);
        return new Instance("t", "w", uid, Map.of(), Map.of(), Map.of(), "sku", "a", "bs", Map.of(), spec, nodeId,
                InstanceStatus.pending(NOW, "Scheduled", null), ResourceMetadata.created(NOW));
    }
}
