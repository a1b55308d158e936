package dev.sovra.controller.scheduler;

import dev.sovra.model.Instance;
import dev.sovra.model.Node;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * An immutable view of nodes and their allocations that one placement decision reads. Nodes sit in
 * a {@link UsageArray} in node-id order; the id index and the {@link ReadyNodesByZone} index never change with
 * placements, so committing a placement copies only a chunk of usages and, when the node changes bucket, two bit
 * sets per bucketing of the {@link FreeCapacityIndex}.
 */
public final class ClusterSnapshot {
    private final UsageArray usages;
    private final Map<String, Integer> positions;
    private final ReadyNodesByZone ready;
    private final FreeCapacityIndex freeCapacity;
    private final List<String> nodeIds;

    private ClusterSnapshot(UsageArray usages, Map<String, Integer> positions, ReadyNodesByZone ready, FreeCapacityIndex freeCapacity,
                            List<String> nodeIds) {
        this.usages = usages;
        this.positions = positions;
        this.ready = ready;
        this.freeCapacity = freeCapacity;
        this.nodeIds = nodeIds;
    }

    private static ClusterSnapshot indexed(UsageArray usages, Map<String, Integer> positions, List<String> nodeIds) {
        NodeUsage[] flat = usages.toArray();
        ReadyNodesByZone ready = ReadyNodesByZone.of(flat);
        return new ClusterSnapshot(usages, positions, ready, FreeCapacityIndex.of(ready, flat), nodeIds);
    }

    /** Allocations count every placed instance, including stopped and deleting ones: they still hold their node. */
    public static ClusterSnapshot of(Collection<Node> nodes, Collection<Instance> instances) {
        Map<String, int[]> vcpus = new HashMap<>();
        Map<String, long[]> memory = new HashMap<>();
        Map<String, Set<String>> groups = new HashMap<>();
        for (Instance instance : instances) {
            if (instance.nodeId() == null) {
                continue;
            }
            vcpus.computeIfAbsent(instance.nodeId(), k -> new int[1])[0] += instance.runtime().vcpus();
            memory.computeIfAbsent(instance.nodeId(), k -> new long[1])[0] += instance.runtime().memoryMiB();
            String group = antiAffinityGroup(instance);
            if (group != null) {
                groups.computeIfAbsent(instance.nodeId(), k -> new HashSet<>()).add(group);
            }
        }
        TreeMap<String, NodeUsage> byId = new TreeMap<>();
        for (Node node : nodes) {
            int[] v = vcpus.getOrDefault(node.id(), new int[1]);
            long[] m = memory.getOrDefault(node.id(), new long[1]);
            byId.put(node.id(), new NodeUsage(node, v[0], m[0], groups.getOrDefault(node.id(), Set.of())));
        }
        NodeUsage[] usages = byId.values().toArray(NodeUsage[]::new);
        Map<String, Integer> positions = new HashMap<>();
        for (int i = 0; i < usages.length; i++) {
            positions.put(usages[i].node().id(), i);
        }
        return indexed(UsageArray.of(usages), Map.copyOf(positions), List.copyOf(byId.keySet()));
    }

    /** The instance's SECA anti-affinity group, qualified by its workspace (groups are per workspace), or null. */
    public static String antiAffinityGroup(Instance instance) {
        return instance.spec().get("antiAffinityGroup") instanceof String group && !group.isEmpty()
                ? instance.tenant() + "/" + instance.workspace() + "/" + group : null;
    }

    /** Every node, in node-id order. */
    public Collection<NodeUsage> nodes() {
        return Collections.unmodifiableList(Arrays.asList(usages.toArray()));
    }

    /** Position of the node in this snapshot, or -1 if it has no such node. */
    int positionOf(String nodeId) {
        Integer position = positions.get(nodeId);
        return position == null ? -1 : position;
    }

    /** The node's usage, or null if the snapshot has no such node. */
    public NodeUsage node(String nodeId) {
        Integer position = positions.get(nodeId);
        return position == null ? null : usages.get(position);
    }

    /** The snapshot after a placement was committed, so the next decision in a batch sees it. */
    public ClusterSnapshot withPlacement(String nodeId, PlacementRequest request) {
        Integer position = positions.get(nodeId);
        return position == null ? this : with(position, usages.get(position).plus(request));
    }

    /** The snapshot after an instance left its node (deleted, or moved away). */
    public ClusterSnapshot withRelease(String nodeId, PlacementRequest request) {
        Integer position = positions.get(nodeId);
        return position == null ? this : with(position, usages.get(position).minus(request));
    }

    /** Node ids in sorted order. */
    public List<String> nodeIds() {
        return nodeIds;
    }

    int size() {
        return usages.size();
    }

    NodeUsage at(int position) {
        return usages.get(position);
    }

    /** Positions of the READY nodes of {@code zone}, in node-id order. */
    int[] readyIn(String zone) {
        return ready.positions(zone);
    }

    /** The READY nodes of each zone by free memory and free share. */
    FreeCapacityIndex freeCapacity() {
        return freeCapacity;
    }

    /**
     * The snapshot after a node's record changed (it went down, or came back): allocations stay, the ready
     * and free-capacity indexes are rebuilt. A node this snapshot does not know is ignored; it joins with the next snapshot.
     */
    public ClusterSnapshot withNode(Node node) {
        Integer position = positions.get(node.id());
        if (position == null || usages.get(position).node().equals(node)) {
            return this;
        }
        NodeUsage old = usages.get(position);
        return indexed(usages.with(position, new NodeUsage(node, old.allocatedVcpus(), old.allocatedMemoryMiB(),
                old.antiAffinityGroups())), positions, nodeIds);
    }

    /** The snapshot with the usages at the given positions replaced; each touched chunk and bit set is copied once. */
    ClusterSnapshot withUsages(Map<Integer, NodeUsage> changed) {
        return changed.isEmpty() ? this
                : new ClusterSnapshot(usages.with(changed), positions, ready, freeCapacity.with(changed, usages), nodeIds);
    }

    private ClusterSnapshot with(int position, NodeUsage usage) {
        return new ClusterSnapshot(usages.with(position, usage), positions, ready,
                freeCapacity.with(position, usages.get(position), usage), nodeIds);
    }
}
