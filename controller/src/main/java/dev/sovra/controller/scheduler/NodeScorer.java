package dev.sovra.controller.scheduler;

/** Ranks a feasible node for a request: the {@link Scheduler} takes the highest score (ties to the first walked). */
public interface NodeScorer {
    double score(NodeUsage node, PlacementRequest request);
}
