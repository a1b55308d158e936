package dev.sovra.controller.node;

import dev.sovra.model.NodeInventory;
import java.util.Map;

/**
 * How much of a node the scheduler may allocate: overcommit ratios per hardware profile (from the
 * profile catalogue) with appliance-wide defaults, and memory reserved for the host itself.
 */
public record CapacityPolicy(Ratios defaults, Map<String, Ratios> byProfile, long reservedMemoryMiB) {
    public CapacityPolicy {
        byProfile = Map.copyOf(byProfile);
    }

    public Ratios ratiosFor(NodeInventory inventory) {
        return byProfile.getOrDefault(inventory.hardwareProfile(), defaults);
    }

    /** vCPUs per logical CPU and guest memory per host memory. */
    public record Ratios(double cpu, double memory) {
        public Ratios {
            if (cpu <= 0 || memory <= 0) {
                throw new IllegalArgumentException("overcommit ratios must be positive: cpu=" + cpu + " memory=" + memory);
            }
        }
    }
}
