package dev.sovra.controller.scheduler;

import java.util.Optional;

/** The instance runs in the zone it asked for. */
public final class ZoneCheck implements FeasibilityCheck {
    @Override
    public Optional<String> reject(NodeUsage node, PlacementRequest request) {
        String zone = node.node().inventory().zone();
        return zone.equals(request.zone()) ? Optional.empty()
                : Optional.of("node is in zone " + zone + ", not " + request.zone());
    }

    @Override
    public boolean accepts(NodeUsage node, PlacementRequest request) {
        return node.node().inventory().zone().equals(request.zone());
    }
}
