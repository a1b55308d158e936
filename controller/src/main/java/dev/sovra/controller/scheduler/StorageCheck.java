package dev.sovra.controller.scheduler;

import java.util.Optional;

/**
 * The node can attach the instance's volumes: it has every storage backend they live on, and local volumes
 * live on this very node (a local volume never moves).
 */
public final class StorageCheck implements FeasibilityCheck {
    @Override
    public Optional<String> reject(NodeUsage node, PlacementRequest request) {
        if (request.volumeNode() != null && !request.volumeNode().equals(node.node().id())) {
            return Optional.of("the instance's local volumes are on node " + request.volumeNode());
        }
        for (String backend : request.storageBackends()) {
            if (!node.node().inventory().storageBackends().contains(backend)) {
                return Optional.of("node has no '" + backend + "' storage backend");
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean accepts(NodeUsage node, PlacementRequest request) {
        return (request.volumeNode() == null || request.volumeNode().equals(node.node().id()))
                && node.node().inventory().storageBackends().containsAll(request.storageBackends());
    }
}
