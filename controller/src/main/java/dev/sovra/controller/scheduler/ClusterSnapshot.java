package dev.sovra.controller.scheduler;

import dev.sovra.model.Instance;
import dev.sovra.model.Node;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** An immutable view of nodes and their allocations that one placement decision reads. */
public final class ClusterSnapshot {
    private final Map<String, NodeUsage> usageByNode;

    private ClusterSnapshot(Map<String, NodeUsage> usageByNode) {
        this.usageByNode = Map.copyOf(usageByNode);
    }

    /** Allocations count every placed instance, including stopped and deleting ones: they still hold their node. */
    public static ClusterSnapshot of(Collection<Node> nodes, Collection<Instance> instances) {
        Map<String, int[]> vcpus = new HashMap<>();
        Map<String, long[]> memory = new HashMap<>();
        for (Instance instance : instances) {
            if (instance.nodeId() == null) {
                continue;
            }
            vcpus.computeIfAbsent(instance.nodeId(), k -> new int[1])[0] += instance.runtime().vcpus();
            memory.computeIfAbsent(instance.nodeId(), k -> new long[1])[0] += instance.runtime().memoryMiB();
        }
        Map<String, NodeUsage> usage = new HashMap<>();
        for (Node node : nodes) {
            int[] v = vcpus.getOrDefault(node.id(), new int[1]);
            long[] m = memory.getOrDefault(node.id(), new long[1]);
            usage.put(node.id(), new NodeUsage(node, v[0], m[0]));
        }
        return new ClusterSnapshot(usage);
    }

    public Collection<NodeUsage> nodes() {
        return usageByNode.values();
    }

    public NodeUsage node(String nodeId) {
        return usageByNode.get(nodeId);
    }

    /** The snapshot after a placement was committed, so the next decision in a batch sees it. */
    public ClusterSnapshot withPlacement(String nodeId, PlacementRequest request) {
        Map<String, NodeUsage> next = new HashMap<>(usageByNode);
        next.computeIfPresent(nodeId, (id, usage) -> usage.plus(request));
        return new ClusterSnapshot(next);
    }

    public List<String> nodeIds() {
        return usageByNode.keySet().stream().sorted().toList();
    }
}
