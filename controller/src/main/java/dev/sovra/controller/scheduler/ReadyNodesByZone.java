package dev.sovra.controller.scheduler;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Positions (in a snapshot's node array) of the schedulable (READY, not draining) nodes of each zone, in node-id
 * order. Built once per snapshot: placements change allocations, never liveness, drain or zone.
 */
final class ReadyNodesByZone {
    private static final int[] NONE = new int[0];
    private final Map<String, int[]> byZone;

    private ReadyNodesByZone(Map<String, int[]> byZone) {
        this.byZone = byZone;
    }

    static ReadyNodesByZone of(NodeUsage[] usages) {
        Map<String, List<Integer>> lists = new HashMap<>();
        for (int i = 0; i < usages.length; i++) {
            if (usages[i].node().schedulable()) {
                lists.computeIfAbsent(usages[i].node().inventory().zone(), z -> new ArrayList<>()).add(i);
            }
        }
        Map<String, int[]> byZone = new HashMap<>();
        lists.forEach((zone, positions) -> byZone.put(zone, positions.stream().mapToInt(Integer::intValue).toArray()));
        return new ReadyNodesByZone(Map.copyOf(byZone));
    }

    /** Callers must not modify the returned array. */
    int[] positions(String zone) {
        return zone == null ? NONE : byZone.getOrDefault(zone, NONE);
    }
}
