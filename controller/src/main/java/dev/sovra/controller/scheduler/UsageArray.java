package dev.sovra.controller.scheduler;

import java.util.Arrays;
import java.util.Map;

/**
 * An immutable array of node usages kept in chunks of 64. Changing k entries copies the chunk table and at most k
 * chunks, not the whole array: at 5,000 nodes about 140 references instead of 5,000. Placement commits (a worker's
 * own decisions within a plan, and the applier's) make a new snapshot each, so this keeps them cheap and keeps the
 * garbage of a busy scheduler low.
 */
final class UsageArray {
    private static final int SHIFT = 6;
    private static final int CHUNK = 1 << SHIFT;
    private static final int MASK = CHUNK - 1;

    private final NodeUsage[][] chunks;
    private final int size;

    private UsageArray(NodeUsage[][] chunks, int size) {
        this.chunks = chunks;
        this.size = size;
    }

    static UsageArray of(NodeUsage[] usages) {
        NodeUsage[][] chunks = new NodeUsage[(usages.length + MASK) >>> SHIFT][];
        for (int c = 0; c < chunks.length; c++) {
            chunks[c] = Arrays.copyOfRange(usages, c << SHIFT, Math.min(usages.length, (c + 1) << SHIFT));
        }
        return new UsageArray(chunks, usages.length);
    }

    int size() {
        return size;
    }

    NodeUsage get(int position) {
        return chunks[position >>> SHIFT][position & MASK];
    }

    UsageArray with(int position, NodeUsage usage) {
        NodeUsage[][] next = chunks.clone();
        NodeUsage[] chunk = next[position >>> SHIFT].clone();
        chunk[position & MASK] = usage;
        next[position >>> SHIFT] = chunk;
        return new UsageArray(next, size);
    }

    UsageArray with(Map<Integer, NodeUsage> changes) {
        if (changes.isEmpty()) {
            return this;
        }
        NodeUsage[][] next = chunks.clone();
        boolean[] copied = new boolean[next.length];
        changes.forEach((position, usage) -> {
            int c = position >>> SHIFT;
            if (!copied[c]) {
                next[c] = next[c].clone();
                copied[c] = true;
            }
            next[c][position & MASK] = usage;
        });
        return new UsageArray(next, size);
    }

    NodeUsage[] toArray() {
        NodeUsage[] flat = new NodeUsage[size];
        for (int c = 0; c < chunks.length; c++) {
            System.arraycopy(chunks[c], 0, flat, c << SHIFT, chunks[c].length);
        }
        return flat;
    }
}
