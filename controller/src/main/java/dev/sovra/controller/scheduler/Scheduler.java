package dev.sovra.controller.scheduler;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Chooses a node for an instance: every feasibility check must pass, then the {@link NodeScorer} ranks the feasible
 * nodes (spread or bin-pack, see {@link PlacementPolicy}). Pure: reads a snapshot, returns a decision.
 *
 * <p>A decision walks a {@link CandidatePool} and scores at most {@code sampleSize} feasible nodes (the
 * "best of k choices"): from the pool's start when the pool is that small or smaller (then the best
 * feasible node overall wins, ties to the lowest node id), else from a position derived from the
 * instance uid, so one decision costs about {@code sampleSize} nodes, not the cluster. The checks run
 * exactly on every node walked, and a request is refused only after the whole pool was walked.
 */
public final class Scheduler {
    /** Feasible nodes scored per decision by {@link #standard()}. */
    public static final int DEFAULT_SAMPLE_SIZE = 16;

    private final List<FeasibilityCheck> checks;
    private final CandidatePool pool;
    private final int sampleSize;
    private final NodeScorer scorer;

    /** Walks every node and scores every feasible one, spreading. */
    public Scheduler(List<FeasibilityCheck> checks) {
        this(checks, CandidatePool.ALL_NODES, Integer.MAX_VALUE, PlacementPolicy.SPREAD.scorer());
    }

    public Scheduler(List<FeasibilityCheck> checks, CandidatePool pool, int sampleSize, NodeScorer scorer) {
        this.scorer = Objects.requireNonNull(scorer, "scorer");
        if (sampleSize < 1) {
            throw new IllegalArgumentException("sampleSize must be at least 1, was " + sampleSize);
        }
        this.checks = List.copyOf(checks);
        this.pool = Objects.requireNonNull(pool, "pool");
        this.sampleSize = sampleSize;
    }

    /** The checks every chosen node passes; the {@link PlanApplier} re-runs them against live allocations. */
    public List<FeasibilityCheck> checks() {
        return checks;
    }

    private static List<FeasibilityCheck> standardChecks() {
        return List.of(new NodeReadyCheck(), new ZoneCheck(), new StorageCheck(), new CpuFeatureCheck(), new CapacityCheck(),
                new AntiAffinityCheck());
    }

    /** Ready nodes of the requested zone, best of {@value #DEFAULT_SAMPLE_SIZE} feasible ones, spreading. */
    public static Scheduler standard() {
        return standard(PlacementPolicy.SPREAD);
    }

    /** Ready nodes of the requested zone, best of {@value #DEFAULT_SAMPLE_SIZE} feasible ones by the policy's scorer. */
    public static Scheduler standard(PlacementPolicy policy) {
        return new Scheduler(standardChecks(), CandidatePool.READY_IN_ZONE, DEFAULT_SAMPLE_SIZE, policy.scorer());
    }

    /** The standard checks over every node, scoring all feasible ones: the reference {@link #standard()} samples. */
    public static Scheduler exhaustive() {
        return exhaustive(PlacementPolicy.SPREAD);
    }

    public static Scheduler exhaustive(PlacementPolicy policy) {
        return new Scheduler(standardChecks(), CandidatePool.ALL_NODES, Integer.MAX_VALUE, policy.scorer());
    }

    public Decision place(ClusterSnapshot snapshot, PlacementRequest request) {
        int[] positions = pool.positions(snapshot, request);
        int start = positions.length <= sampleSize ? 0 : Math.floorMod(Objects.hashCode(request.instanceUid()), positions.length);
        NodeUsage best = null;
        double bestScore = 0;
        int feasible = 0;
        for (int i = 0; i < positions.length && feasible < sampleSize; i++) {
            NodeUsage candidate = snapshot.at(positions[(start + i) % positions.length]);
            if (accepts(candidate, request)) {
                feasible++;
                double score = scorer.score(candidate, request);
                if (best == null || score > bestScore) {
                    best = candidate;
                    bestScore = score;
                }
            }
        }
        return new Decision(best == null ? null : best.node().id(), snapshot, request, this);
    }

    private boolean accepts(NodeUsage node, PlacementRequest request) {
        for (FeasibilityCheck check : checks) {
            if (!check.accepts(node, request)) {
                return false;
            }
        }
        return true;
    }

    private Optional<String> firstRejection(NodeUsage node, PlacementRequest request) {
        for (FeasibilityCheck check : checks) {
            Optional<String> rejection = check.reject(node, request);
            if (rejection.isPresent()) {
                return rejection;
            }
        }
        return Optional.empty();
    }

    /** Why each node of the snapshot, in node-id order, cannot take the request. */
    private Map<String, String> rejections(ClusterSnapshot snapshot, PlacementRequest request) {
        Map<String, String> rejections = new LinkedHashMap<>();
        for (NodeUsage node : snapshot.nodes()) {
            firstRejection(node, request).ifPresent(reason -> rejections.put(node.node().id(), reason));
        }
        return rejections;
    }

    /** A placement decision; its explanation is computed (over every node) only when asked for. */
    public static final class Decision {
        private final String nodeId;
        private final ClusterSnapshot snapshot;
        private final PlacementRequest request;
        private final Scheduler scheduler;
        private Map<String, String> rejections;

        private Decision(String nodeId, ClusterSnapshot snapshot, PlacementRequest request, Scheduler scheduler) {
            this.nodeId = nodeId;
            this.snapshot = snapshot;
            this.request = request;
            this.scheduler = scheduler;
        }

        /** The chosen node, or null when no node fits. */
        public String nodeId() {
            return nodeId;
        }

        public boolean placed() {
            return nodeId != null;
        }

        /** Why each rejected node (every node that fails a check) was rejected, in node-id order. */
        public synchronized Map<String, String> rejections() {
            if (rejections == null) {
                rejections = Collections.unmodifiableMap(scheduler.rejections(snapshot, request));
            }
            return rejections;
        }

        public String summary() {
            if (rejections().isEmpty()) {
                return "no nodes registered";
            }
            StringBuilder text = new StringBuilder();
            rejections().forEach((node, reason) -> text.append(text.isEmpty() ? "" : "; ").append(node).append(": ").append(reason));
            return text.toString();
        }

        @Override
        public String toString() {
            return "Decision[nodeId=" + nodeId + "]";
        }
    }
}
