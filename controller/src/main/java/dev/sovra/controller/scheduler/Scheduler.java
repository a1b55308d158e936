package dev.sovra.controller.scheduler;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Chooses a node for an instance: every feasibility check must pass, then the policy's {@link NodeScorer} ranks the
 * feasible nodes (spread or bin-pack, see {@link PlacementPolicy}). Pure: reads a snapshot, returns a decision.
 *
 * <p>A decision walks candidates and scores at most {@code sampleSize} feasible ones (the "best of k choices").
 * When the pool has at most {@code sampleSize} nodes, or is not {@link CandidatePool#READY_IN_ZONE}, it walks the
 * pool in node-id order (so a small zone gets the best feasible node overall, ties to the lowest node id). Else it
 * walks the zone's ready nodes by free share ({@link FreeCapacityIndex}), in the policy's order: bin-pack from the
 * fullest, each bucket in node-id order, so consecutive placements fill one node before the next is opened; spread
 * from the emptiest, each bucket from a position derived from the instance uid, so concurrent decisions start at
 * different nodes among nearly equal ones. Nodes without the memory are never visited, so a decision costs about
 * {@code sampleSize} nodes even in a nearly full zone. The checks run exactly on every node walked, and a request is
 * refused only after every node that could have the memory was walked.
 */
public final class Scheduler {
    /** Feasible nodes scored per decision by {@link #standard()}. */
    public static final int DEFAULT_SAMPLE_SIZE = 16;

    private final List<FeasibilityCheck> checks;
    private final CandidatePool pool;
    private final int sampleSize;
    private final PlacementPolicy policy;
    private final NodeScorer scorer;

    /** Walks every node and scores every feasible one, spreading. */
    public Scheduler(List<FeasibilityCheck> checks) {
        this(checks, CandidatePool.ALL_NODES, Integer.MAX_VALUE, PlacementPolicy.SPREAD);
    }

    public Scheduler(List<FeasibilityCheck> checks, CandidatePool pool, int sampleSize, PlacementPolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.scorer = policy.scorer();
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
        return new Scheduler(standardChecks(), CandidatePool.READY_IN_ZONE, DEFAULT_SAMPLE_SIZE, policy);
    }

    /** The standard checks over every node, scoring all feasible ones: the reference {@link #standard()} samples. */
    public static Scheduler exhaustive() {
        return exhaustive(PlacementPolicy.SPREAD);
    }

    public static Scheduler exhaustive(PlacementPolicy policy) {
        return new Scheduler(standardChecks(), CandidatePool.ALL_NODES, Integer.MAX_VALUE, policy);
    }

    public Decision place(ClusterSnapshot snapshot, PlacementRequest request) {
        Choice choice = new Choice(request);
        int[] positions = pool.positions(snapshot, request);
        if (pool == CandidatePool.READY_IN_ZONE && request.volumeNode() == null && positions.length > sampleSize) {
            FreeCapacityIndex.Cursor cursor = policy == PlacementPolicy.BINPACK
                    ? snapshot.freeCapacity().fullestFirst(request.zone(), request.memoryMiB())
                    : snapshot.freeCapacity().emptiestFirst(request.zone(), request.memoryMiB(), seed(request));
            for (int position = cursor.next(); position >= 0 && choice.feasible < sampleSize; position = cursor.next()) {
                choice.offer(snapshot.at(position));
            }
        } else {
            for (int i = 0; i < positions.length && choice.feasible < sampleSize; i++) {
                choice.offer(snapshot.at(positions[i]));
            }
        }
        return new Decision(choice.best == null ? null : choice.best.node().id(), snapshot, request, this);
    }

    /** Spreads the uid's hash over the int range, so neighbouring hashes start spread walks far apart. */
    private static int seed(PlacementRequest request) {
        return Objects.hashCode(request.instanceUid()) * 0x9E3779B9;
    }

    /** The best feasible node of one decision so far; ties go to the node walked first. */
    private final class Choice {
        private final PlacementRequest request;
        private NodeUsage best;
        private double bestScore;
        private int feasible;

        Choice(PlacementRequest request) {
            this.request = request;
        }

        void offer(NodeUsage candidate) {
            if (accepts(candidate, request)) {
                feasible++;
                double score = scorer.score(candidate, request);
                if (best == null || score > bestScore) {
                    best = candidate;
                    bestScore = score;
                }
            }
        }
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
