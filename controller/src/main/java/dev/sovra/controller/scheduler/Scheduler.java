package dev.sovra.controller.scheduler;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses a node for an instance: every feasibility check must pass, then the node with the most
 * free memory (then vCPU) wins, which spreads load. Pure: reads a snapshot, returns a decision.
 */
public final class Scheduler {
    private final List<FeasibilityCheck> checks;

    public Scheduler(List<FeasibilityCheck> checks) {
        this.checks = List.copyOf(checks);
    }

    public static Scheduler standard() {
        return new Scheduler(List.of(new NodeReadyCheck(), new ZoneCheck(), new CapacityCheck()));
    }

    public Decision place(ClusterSnapshot snapshot, PlacementRequest request) {
        NodeUsage best = null;
        Map<String, String> rejections = new LinkedHashMap<>();
        for (String nodeId : snapshot.nodeIds()) {
            NodeUsage candidate = snapshot.node(nodeId);
            Optional<String> rejection = firstRejection(candidate, request);
            if (rejection.isPresent()) {
                rejections.put(nodeId, rejection.get());
            } else if (best == null || score(candidate) > score(best)) {
                best = candidate;
            }
        }
        return new Decision(best == null ? null : best.node().id(), rejections);
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

    private static double score(NodeUsage node) {
        double memory = node.node().allocatableMemoryMiB() == 0 ? 0
                : (double) node.freeMemoryMiB() / node.node().allocatableMemoryMiB();
        double cpu = node.node().allocatableVcpus() == 0 ? 0
                : (double) node.freeVcpus() / node.node().allocatableVcpus();
        return memory + cpu;
    }

    /**
     * @param nodeId the chosen node, or null when no node fits
     * @param rejections why each rejected node was rejected
     */
    public record Decision(String nodeId, Map<String, String> rejections) {
        public boolean placed() {
            return nodeId != null;
        }

        public String summary() {
            if (rejections.isEmpty()) {
                return "no nodes registered";
            }
            StringBuilder text = new StringBuilder();
            rejections.forEach((node, reason) -> text.append(text.isEmpty() ? "" : "; ").append(node).append(": ").append(reason));
            return text.toString();
        }
    }
}
