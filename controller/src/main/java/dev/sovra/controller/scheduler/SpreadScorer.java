package dev.sovra.controller.scheduler;

/**
 * Least loaded first: the node with the largest free share of memory plus vCPU wins, so instances spread over the
 * fleet (one busy node hurts fewer tenants, and a failed node takes fewer instances with it).
 */
public final class SpreadScorer implements NodeScorer {
    @Override
    public double score(NodeUsage node, PlacementRequest request) {
        return share(node.freeMemoryMiB(), node.node().allocatableMemoryMiB()) + share(node.freeVcpus(), node.node().allocatableVcpus());
    }

    static double share(double part, double whole) {
        return whole <= 0 ? 0 : part / whole;
    }
}
