package dev.sovra.controller.scheduler;

import dev.sovra.model.Node;
import java.util.HashSet;
import java.util.Set;

/**
 * A node with what is already allocated on it, as seen in one snapshot.
 *
 * @param antiAffinityGroups the anti-affinity groups of the instances on the node
 */
public record NodeUsage(Node node, int allocatedVcpus, long allocatedMemoryMiB, Set<String> antiAffinityGroups) {

    public NodeUsage {
        antiAffinityGroups = Set.copyOf(antiAffinityGroups);
    }

    public NodeUsage(Node node, int allocatedVcpus, long allocatedMemoryMiB) {
        this(node, allocatedVcpus, allocatedMemoryMiB, Set.of());
    }

    public int freeVcpus() {
        return node.allocatableVcpus() - allocatedVcpus;
    }

    public long freeMemoryMiB() {
        return node.allocatableMemoryMiB() - allocatedMemoryMiB;
    }

    public NodeUsage plus(PlacementRequest request) {
        return new NodeUsage(node, allocatedVcpus + request.vcpus(), allocatedMemoryMiB + request.memoryMiB(),
                withGroup(request.antiAffinityGroup(), true));
    }

    /** @throws IllegalArgumentException if the node does not hold that much (a release without its placement) */
    public NodeUsage minus(PlacementRequest request) {
        if (request.vcpus() > allocatedVcpus || request.memoryMiB() > allocatedMemoryMiB) {
            throw new IllegalArgumentException("node " + node.id() + " holds " + allocatedVcpus + " vCPU / " + allocatedMemoryMiB
                    + " MiB, cannot release " + request.vcpus() + " vCPU / " + request.memoryMiB() + " MiB");
        }
        return new NodeUsage(node, allocatedVcpus - request.vcpus(), allocatedMemoryMiB - request.memoryMiB(),
                withGroup(request.antiAffinityGroup(), false));
    }

    /** At most one instance of a group is ever on a node, so releasing it removes the group. */
    private Set<String> withGroup(String group, boolean add) {
        if (group == null) {
            return antiAffinityGroups;
        }
        Set<String> groups = new HashSet<>(antiAffinityGroups);
        if (add) {
            groups.add(group);
        } else {
            groups.remove(group);
        }
        return groups;
    }
}
