package dev.sovra.controller.scheduler;

import java.util.Objects;

/** One instance on one node; the request says what it claims there (vCPU, memory, anti-affinity group). */
public record Placement(String nodeId, PlacementRequest request) {
    public Placement {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(request, "request");
    }

    public String instanceUid() {
        return request.instanceUid();
    }
}
