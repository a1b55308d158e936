package dev.sovra.controller.scheduler;

import java.util.Optional;

/** SECA {@code antiAffinityGroup}: instances of one group run on different nodes. */
public final class AntiAffinityCheck implements FeasibilityCheck {
    @Override
    public Optional<String> reject(NodeUsage node, PlacementRequest request) {
        return accepts(node, request) ? Optional.empty()
                : Optional.of("already runs an instance of anti-affinity group " + request.antiAffinityGroup());
    }

    @Override
    public boolean accepts(NodeUsage node, PlacementRequest request) {
        return request.antiAffinityGroup() == null || !node.antiAffinityGroups().contains(request.antiAffinityGroup());
    }
}
