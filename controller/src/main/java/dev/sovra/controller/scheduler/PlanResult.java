package dev.sovra.controller.scheduler;

import java.util.List;

/**
 * What the {@link PlanApplier} did with a plan: the placements it committed, and those that no longer fit
 * the live allocations, each with the reason (the worker decides those again on a fresh snapshot).
 */
public record PlanResult(List<Placement> committed, List<Rejection> rejected) {
    public PlanResult {
        committed = List.copyOf(committed);
        rejected = List.copyOf(rejected);
    }

    public record Rejection(Placement placement, String reason) {}
}
