package dev.sovra.controller.scheduler;

import java.util.Optional;

/** vCPU and memory must fit within the node's allocatable capacity (overcommit ratios applied). */
public final class CapacityCheck implements FeasibilityCheck {
    @Override
    public Optional<String> reject(NodeUsage node, PlacementRequest request) {
        if (node.freeVcpus() < request.vcpus()) {
            return Optional.of("needs " + request.vcpus() + " vCPU, " + node.freeVcpus() + " free");
        }
        if (node.freeMemoryMiB() < request.memoryMiB()) {
            return Optional.of("needs " + request.memoryMiB() + " MiB, " + node.freeMemoryMiB() + " MiB free");
        }
        return Optional.empty();
    }

    @Override
    public boolean accepts(NodeUsage node, PlacementRequest request) {
        return node.freeVcpus() >= request.vcpus() && node.freeMemoryMiB() >= request.memoryMiB();
    }
}
