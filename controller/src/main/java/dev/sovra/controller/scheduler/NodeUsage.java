package dev.sovra.controller.scheduler;

import dev.sovra.model.Node;

/** A node with what is already allocated on it, as seen in one snapshot. */
public record NodeUsage(Node node, int allocatedVcpus, long allocatedMemoryMiB) {

    public int freeVcpus() {
        return node.allocatableVcpus() - allocatedVcpus;
    }

    public long freeMemoryMiB() {
        return node.allocatableMemoryMiB() - allocatedMemoryMiB;
    }

    public NodeUsage plus(PlacementRequest request) {
        return new NodeUsage(node, allocatedVcpus + request.vcpus(), allocatedMemoryMiB + request.memoryMiB());
    }
}
