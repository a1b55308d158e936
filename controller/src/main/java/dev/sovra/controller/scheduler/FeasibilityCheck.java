package dev.sovra.controller.scheduler;

import java.util.Optional;

/** One placement constraint. Returns why the node cannot take the request, or empty if it can. */
public interface FeasibilityCheck {
    Optional<String> reject(NodeUsage node, PlacementRequest request);
}
