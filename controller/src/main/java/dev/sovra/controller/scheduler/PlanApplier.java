package dev.sovra.controller.scheduler;

import dev.sovra.model.Node;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one place where placements become real. Placement workers decide concurrently on immutable snapshots
 * that go stale while they decide; the applier re-runs the feasibility checks of every placement of a plan
 * against the live allocations (node still ready, capacity within its overcommit ratios, anti-affinity group
 * still free on the node, ...) and commits those that still fit, all in one step. The rest is rejected and
 * goes back to its worker, which decides again on a fresh {@link #snapshot()}. Plans are applied one at a
 * time under this object's lock, so however many workers decide, no node is ever overcommitted.
 *
 * <p>A lock rather than an applier thread with a queue: the order is the same (one plan at a time), and a
 * hand-off to a thread would cost two wake-ups per plan, expensive on small machines.
 *
 * <p>The applier's state is memory only; the store stays the source of truth. It starts from a snapshot of
 * the stored placements, a claim whose durable write fails is {@link #release released}, and after a crash
 * the next applier starts from the store again.
 */
public final class PlanApplier {
    private final List<FeasibilityCheck> checks;
    private volatile ClusterSnapshot live;

    /** @param checks the checks to verify plans with: those of the scheduler the workers use */
    public PlanApplier(ClusterSnapshot initial, List<FeasibilityCheck> checks) {
        this.live = initial;
        this.checks = List.copyOf(checks);
    }

    /** The live allocations. Immutable: a worker decides on it while plans keep being committed. */
    public ClusterSnapshot snapshot() {
        return live;
    }

    /** Verifies the plan's placements in order, each against the live state plus the plan's placements committed before it. */
    public synchronized PlanResult apply(Plan plan) {
        ClusterSnapshot current = live;
        Map<Integer, NodeUsage> claimed = new HashMap<>();
        List<Placement> committed = new ArrayList<>(plan.placements().size());
        List<PlanResult.Rejection> rejected = new ArrayList<>();
        for (Placement placement : plan.placements()) {
            int position = current.positionOf(placement.nodeId());
            if (position < 0) {
                rejected.add(new PlanResult.Rejection(placement, "node " + placement.nodeId() + " is not known"));
                continue;
            }
            NodeUsage usage = claimed.getOrDefault(position, current.at(position));
            String reason = firstRejection(usage, placement.request());
            if (reason != null) {
                rejected.add(new PlanResult.Rejection(placement, reason));
                continue;
            }
            claimed.put(position, usage.plus(placement.request()));
            committed.add(placement);
        }
        live = current.withUsages(claimed);
        return new PlanResult(committed, rejected);
    }

    /** Gives back what committed placements claimed (their instances left, or their durable write failed). */
    public synchronized void release(Collection<Placement> placements) {
        ClusterSnapshot current = live;
        Map<Integer, NodeUsage> released = new HashMap<>();
        for (Placement placement : placements) {
            int position = current.positionOf(placement.nodeId());
            if (position >= 0) {
                released.put(position, released.getOrDefault(position, current.at(position)).minus(placement.request()));
            }
        }
        live = current.withUsages(released);
    }

    /** A node's record changed (down, or ready again): plans verified from now on see it. */
    public synchronized void nodeChanged(Node node) {
        live = live.withNode(node);
    }

    private String firstRejection(NodeUsage usage, PlacementRequest request) {
        for (FeasibilityCheck check : checks) {
            if (!check.accepts(usage, request)) {
                return check.reject(usage, request).orElse(check.getClass().getSimpleName() + " refused");
            }
        }
        return null;
    }
}
