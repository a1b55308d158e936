package dev.sovra.controller.scheduler;

import java.util.Optional;

/** One placement constraint. Returns why the node cannot take the request, or empty if it can. */
public interface FeasibilityCheck {
    Optional<String> reject(NodeUsage node, PlacementRequest request);

    /** Same answer as {@code reject(...).isEmpty()}; checks override it to decide without building a reason. */
    default boolean accepts(NodeUsage node, PlacementRequest request) {
        return reject(node, request).isEmpty();
    }
}
