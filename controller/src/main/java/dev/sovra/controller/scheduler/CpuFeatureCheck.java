package dev.sovra.controller.scheduler;

import java.util.List;
import java.util.Optional;

/**
 * The node's hypervisor can give the guest every CPU feature the instance's SKU requires. A node that did not
 * report its features (an older agent) is unknown and takes no instance that requires any.
 */
public final class CpuFeatureCheck implements FeasibilityCheck {
    @Override
    public Optional<String> reject(NodeUsage node, PlacementRequest request) {
        if (accepts(node, request)) {
            return Optional.empty();
        }
        List<String> offered = node.node().inventory().cpuFeatures();
        if (offered == null) {
            return Optional.of("node did not report its CPU features (agent too old), instance requires "
                    + request.cpuFeatures().stream().sorted().toList());
        }
        return Optional.of("node lacks CPU features "
                + request.cpuFeatures().stream().filter(feature -> !offered.contains(feature)).sorted().toList());
    }

    @Override
    public boolean accepts(NodeUsage node, PlacementRequest request) {
        if (request.cpuFeatures().isEmpty()) {
            return true;
        }
        List<String> offered = node.node().inventory().cpuFeatures();
        return offered != null && offered.containsAll(request.cpuFeatures());
    }
}
