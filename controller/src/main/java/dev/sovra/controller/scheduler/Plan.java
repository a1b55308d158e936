package dev.sovra.controller.scheduler;

import java.util.List;

/**
 * What a placement worker proposes: instances to nodes, decided on one snapshot that may be stale by the
 * time the {@link PlanApplier} sees it. Later placements of a plan were decided knowing the earlier ones.
 */
public record Plan(List<Placement> placements) {
    public Plan {
        placements = List.copyOf(placements);
    }
}
