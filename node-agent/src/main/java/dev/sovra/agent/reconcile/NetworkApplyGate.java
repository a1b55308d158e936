package dev.sovra.agent.reconcile;

import dev.sovra.model.network.NodeNetworkSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Whether a reconcile pass must run the network apply. A full apply reads OVSDB and the kernel and runs a dozen host
 * commands per network (about 0.1–0.25 s for two networks), so it runs when something can have changed: a new spec,
 * a domain started this pass (QEMU made a new tap under the old name, which must be moved and re-bound), a failed
 * previous apply, or {@code repairPeriod} since the last one, which repairs what was changed behind the agent's back
 * (a deleted veth, flushed NAT rules). A restarted agent starts with a fresh gate and applies at once.
 */
final class NetworkApplyGate {
    private final Clock clock;
    private final Duration repairPeriod;
    private NodeNetworkSpec lastApplied;
    private Instant appliedAt;

    NetworkApplyGate(Clock clock, Duration repairPeriod) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.repairPeriod = Objects.requireNonNull(repairPeriod, "repairPeriod");
    }

    boolean due(NodeNetworkSpec spec, boolean domainStarted) {
        return domainStarted || lastApplied == null || !lastApplied.equals(spec)
                || !clock.instant().isBefore(appliedAt.plus(repairPeriod));
    }

    /** The apply of {@code spec} succeeded; a failed one is simply not recorded, so the next pass retries. */
    void applied(NodeNetworkSpec spec) {
        lastApplied = spec;
        appliedAt = clock.instant();
    }
}
