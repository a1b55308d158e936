package dev.sovra.controller.scheduler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Positions (in a snapshot's node array) of the schedulable (READY, not draining) nodes of each zone, in node-id
 * order, and for each position its zone and its index among the zone's ready nodes (what {@link FreeCapacityIndex}
 * keys its bit sets by). Built once per snapshot: placements change allocations, never liveness, drain or zone.
 */
final class ReadyNodesByZone {
    private static final int[] NONE = new int[0];
    private final Map<String, Integer> zoneIndex;
    private final int[][] positionsByZone;
    /** By position: the zone's index, or -1 when the node is not schedulable. */
    private final int[] zoneOf;
    /** By position: the index among its zone's ready nodes. */
    private final int[] indexInZone;

    private ReadyNodesByZone(Map<String, Integer> zoneIndex, int[][] positionsByZone, int[] zoneOf, int[] indexInZone) {
        this.zoneIndex = zoneIndex;
        this.positionsByZone = positionsByZone;
        this.zoneOf = zoneOf;
        this.indexInZone = indexInZone;
    }

    static ReadyNodesByZone of(NodeUsage[] usages) {
        Map<String, Integer> zoneIndex = new HashMap<>();
        List<List<Integer>> lists = new ArrayList<>();
        int[] zoneOf = new int[usages.length];
        int[] indexInZone = new int[usages.length];
        Arrays.fill(zoneOf, -1);
        for (int i = 0; i < usages.length; i++) {
            if (usages[i].node().schedulable()) {
                int zone = zoneIndex.computeIfAbsent(usages[i].node().inventory().zone(), z -> {
                    lists.add(new ArrayList<>());
                    return lists.size() - 1;
                });
                zoneOf[i] = zone;
                indexInZone[i] = lists.get(zone).size();
                lists.get(zone).add(i);
            }
        }
        int[][] positionsByZone = lists.stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray()).toArray(int[][]::new);
        return new ReadyNodesByZone(Map.copyOf(zoneIndex), positionsByZone, zoneOf, indexInZone);
    }

    /** Callers must not modify the returned array. */
    int[] positions(String zone) {
        int zoneIndex = zoneIndex(zone);
        return zoneIndex < 0 ? NONE : positionsByZone[zoneIndex];
    }

    /** The zone's index, or -1 when it has no ready node. */
    int zoneIndex(String zone) {
        Integer index = zone == null ? null : zoneIndex.get(zone);
        return index == null ? -1 : index;
    }

    int zoneCount() {
        return positionsByZone.length;
    }

    /** Callers must not modify the returned array. */
    int[] positions(int zoneIndex) {
        return positionsByZone[zoneIndex];
    }

    /** The zone's index of the node at this position, or -1 when the node is not schedulable. */
    int zoneOf(int position) {
        return zoneOf[position];
    }

    int indexInZone(int position) {
        return indexInZone[position];
    }
}
