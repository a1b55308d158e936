package dev.sovra.controller.scheduler;

import dev.sovra.model.NodeState;
import java.util.Optional;

/** Only connected, heartbeating nodes that no operator drains take new instances. */
public final class NodeReadyCheck implements FeasibilityCheck {
    @Override
    public Optional<String> reject(NodeUsage node, PlacementRequest request) {
        if (node.node().state() != NodeState.READY) {
            return Optional.of("node is " + node.node().state().name().toLowerCase());
        }
        return node.node().draining() ? Optional.of("node is draining") : Optional.empty();
    }

    @Override
    public boolean accepts(NodeUsage node, PlacementRequest request) {
        return node.node().schedulable();
    }
}
