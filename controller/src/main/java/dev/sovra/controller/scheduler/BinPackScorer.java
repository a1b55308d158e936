package dev.sovra.controller.scheduler;

/**
 * Fullest node that fits first: the node whose memory plus vCPU would be most used after the placement wins, so
 * instances fill few nodes and leave others empty (for large SKUs, maintenance, or power saving).
 */
public final class BinPackScorer implements NodeScorer {
    @Override
    public double score(NodeUsage node, PlacementRequest request) {
        return SpreadScorer.share(node.allocatedMemoryMiB() + request.memoryMiB(), node.node().allocatableMemoryMiB())
                + SpreadScorer.share(node.allocatedVcpus() + request.vcpus(), node.node().allocatableVcpus());
    }
}
