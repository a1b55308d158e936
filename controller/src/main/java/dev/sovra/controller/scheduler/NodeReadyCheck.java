package dev.sovra.controller.scheduler;

import dev.sovra.model.NodeState;
import java.util.Optional;

/** Only connected, heartbeating nodes take new instances. */
public final class NodeReadyCheck implements FeasibilityCheck {
    @Override
    public Optional<String> reject(NodeUsage node, PlacementRequest request) {
        return node.node().state() == NodeState.READY ? Optional.empty()
                : Optional.of("node is " + node.node().state().name().toLowerCase());
    }

    @Override
    public boolean accepts(NodeUsage node, PlacementRequest request) {
        return node.node().state() == NodeState.READY;
    }
}
