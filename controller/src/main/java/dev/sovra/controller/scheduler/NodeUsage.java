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

    /** @throws IllegalArgumentException if the node does not hold that much (a release without its placement) */
    public NodeUsage minus(PlacementRequest request) {
        if (request.vcpus() > allocatedVcpus || request.memoryMiB() > allocatedMemoryMiB) {
            throw new IllegalArgumentException("node " + node.id() + " holds " + allocatedVcpus + " vCPU / " + allocatedMemoryMiB
                    + " MiB, cannot release " + request.vcpus() + " vCPU / " + request.memoryMiB() + " MiB");
        }
        return new NodeUsage(node, allocatedVcpus - request.vcpus(), allocatedMemoryMiB - request.memoryMiB());
    }
}
