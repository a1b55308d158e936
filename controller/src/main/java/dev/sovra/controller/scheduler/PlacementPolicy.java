package dev.sovra.controller.scheduler;

import java.util.Arrays;
import java.util.Locale;

/** How the scheduler chooses among feasible nodes ({@code sovra.scheduler.policy}). */
public enum PlacementPolicy {
    /** {@link SpreadScorer}: least loaded first, candidates walked from the emptiest nodes. The default. */
    SPREAD(new SpreadScorer()),
    /** {@link BinPackScorer}: fullest node that fits first, candidates walked from the fullest nodes. */
    BINPACK(new BinPackScorer());

    private final NodeScorer scorer;

    PlacementPolicy(NodeScorer scorer) {
        this.scorer = scorer;
    }

    public NodeScorer scorer() {
        return scorer;
    }

    /** @throws IllegalArgumentException naming the accepted values */
    public static PlacementPolicy parse(String name) {
        return Arrays.stream(values()).filter(p -> p.name().equalsIgnoreCase(name == null ? "" : name.strip())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("scheduler policy must be one of "
                        + Arrays.stream(values()).map(p -> p.name().toLowerCase(Locale.ROOT)).toList() + ", was " + name));
    }
}
