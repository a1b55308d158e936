package dev.sovra.controller.scheduler;

import java.util.stream.IntStream;

/** Which nodes a decision walks (see {@link Scheduler} for the order); the feasibility checks run on each of them, exactly. */
public enum CandidatePool {
    /** Every node of the snapshot (what the checks alone decide). */
    ALL_NODES,
    /**
     * Only schedulable (READY, not draining) nodes of the requested zone that have the memory asked for: the indexes
     * ({@link ReadyNodesByZone}, {@link FreeCapacityIndex}) do the liveness, drain, zone and memory checks' bulk work
     * up front.
     */
    READY_IN_ZONE;

    int[] positions(ClusterSnapshot snapshot, PlacementRequest request) {
        if (request.volumeNode() != null) { // local volumes pin the instance: only their node can take it
            int position = snapshot.positionOf(request.volumeNode());
            return position < 0 ? new int[0] : new int[] {position};
        }
        return switch (this) {
            case ALL_NODES -> IntStream.range(0, snapshot.size()).toArray();
            case READY_IN_ZONE -> snapshot.readyIn(request.zone());
        };
    }
}
