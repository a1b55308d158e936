package dev.sovra.controller.scheduler;

import java.util.Map;

/**
 * The ready nodes of each zone grouped by free capacity, so that a decision starts with the nodes its policy prefers
 * (the fullest that still fit for bin-pack, the emptiest for spread) and never visits a node that lacks the memory
 * asked for, however full the zone is.
 *
 * <p>Two bucketings of the same nodes, each bucket a bit set over the zone's ready nodes (their index in node-id
 * order, see {@link ReadyNodesByZone}), walked a word of 64 nodes at a time:
 * <ul>
 *   <li><b>By free memory</b>, in quarter octaves: bucket 0 holds nodes with less than 1 GiB free, then [1, 1.25),
 *   [1.25, 1.5), [1.5, 1.75), [1.75, 2), [2, 2.5) GiB and so on. Every node below the bucket of a request's memory
 *   lacks that memory, so those buckets are never walked (SKU sizes, powers of two, start a bucket: then every node
 *   walked has the memory). Memory rather than vCPU because memory is what a node runs out of first (vCPUs are
 *   overcommitted, memory is not by default); the capacity check still runs on every candidate for both. Bin-pack
 *   walks these from the request's bucket up: the best fit by memory first.</li>
 *   <li><b>By free share</b> (free memory share plus free vCPU share, halved, what {@link SpreadScorer} ranks by),
 *   in sixteenths. Spread walks these from the emptiest down, keeping only nodes whose memory bucket is at or above
 *   the request's (a mask OR-ed from the memory buckets once per decision), so mixed node sizes spread by how full
 *   they are, not by how much memory they have.</li>
 * </ul>
 *
 * <p>Immutable. A placement that moves a node to another bucket copies that zone's bucket table (at most about 40
 * references) and the two bit sets involved (one bit per ready node of the zone: 25 words at 1,600 nodes), not the
 * index; one that keeps the node in its buckets copies nothing.
 */
final class FreeCapacityIndex {
    private static final int SUB_BUCKET_BITS = 2;
    private static final int SMALLEST_OCTAVE = 10; // 1 GiB in MiB = 2^10: below it, bucket 0
    private static final int SHARE_BUCKETS = 16;
    private static final long[][] NO_BUCKETS = new long[0][];
    private static final int[] NO_POSITIONS = new int[0];

    private final ReadyNodesByZone ready;
    /** [zone][memory bucket] -> bit set over the zone's ready nodes. */
    private final long[][][] byMemory;
    /** [zone][share bucket] -> bit set over the zone's ready nodes. */
    private final long[][][] byShare;

    private FreeCapacityIndex(ReadyNodesByZone ready, long[][][] byMemory, long[][][] byShare) {
        this.ready = ready;
        this.byMemory = byMemory;
        this.byShare = byShare;
    }

    static FreeCapacityIndex of(ReadyNodesByZone ready, NodeUsage[] usages) {
        long largest = 0;
        for (NodeUsage usage : usages) {
            largest = Math.max(largest, usage.node().allocatableMemoryMiB());
        }
        int memoryBuckets = bucket(largest) + 1;
        long[][][] byMemory = new long[ready.zoneCount()][][];
        long[][][] byShare = new long[ready.zoneCount()][][];
        for (int zone = 0; zone < ready.zoneCount(); zone++) {
            int[] positions = ready.positions(zone);
            byMemory[zone] = emptySets(memoryBuckets, positions.length);
            byShare[zone] = emptySets(SHARE_BUCKETS + 1, positions.length);
            for (int index = 0; index < positions.length; index++) {
                NodeUsage usage = usages[positions[index]];
                byMemory[zone][memoryBucket(usage, memoryBuckets)][index >>> 6] |= 1L << index;
                byShare[zone][shareBucket(usage)][index >>> 6] |= 1L << index;
            }
        }
        return new FreeCapacityIndex(ready, byMemory, byShare);
    }

    private static long[][] emptySets(int buckets, int nodes) {
        long[][] sets = new long[buckets][];
        for (int bucket = 0; bucket < buckets; bucket++) {
            sets[bucket] = new long[(nodes + 63) >>> 6];
        }
        return sets;
    }

    /** The memory bucket of a node with this much memory free, or the lowest one a request of this much memory may fit in. */
    static int bucket(long memoryMiB) {
        if (memoryMiB < 1L << SMALLEST_OCTAVE) {
            return 0;
        }
        int octave = 63 - Long.numberOfLeadingZeros(memoryMiB);
        int sub = (int) (memoryMiB >>> (octave - SUB_BUCKET_BITS)) & ((1 << SUB_BUCKET_BITS) - 1);
        return 1 + ((octave - SMALLEST_OCTAVE) << SUB_BUCKET_BITS) + sub;
    }

    private static int memoryBucket(NodeUsage usage, int buckets) {
        return Math.min(bucket(usage.freeMemoryMiB()), buckets - 1);
    }

    /** 0 (full) to {@value #SHARE_BUCKETS} (empty): the mean of the free memory and free vCPU shares, in sixteenths. */
    static int shareBucket(NodeUsage usage) {
        double free = (SpreadScorer.share(usage.freeMemoryMiB(), usage.node().allocatableMemoryMiB())
                + SpreadScorer.share(usage.freeVcpus(), usage.node().allocatableVcpus())) / 2;
        return Math.max(0, Math.min(SHARE_BUCKETS, (int) (free * SHARE_BUCKETS)));
    }

    /** The index after the usages at the given positions changed from {@code before}'s; each touched array is copied once. */
    FreeCapacityIndex with(Map<Integer, NodeUsage> changed, UsageArray before) {
        Editor editor = new Editor();
        changed.forEach((position, usage) -> editor.move(position, before.get(position), usage));
        return editor.result();
    }

    FreeCapacityIndex with(int position, NodeUsage before, NodeUsage after) {
        Editor editor = new Editor();
        editor.move(position, before, after);
        return editor.result();
    }

    /** Copy on first write: a zone's bucket table and each bit set at most once per edit. */
    private final class Editor {
        private final Table memory = new Table(byMemory);
        private final Table share = new Table(byShare);

        void move(int position, NodeUsage before, NodeUsage after) {
            int zone = ready.zoneOf(position);
            if (zone < 0) {
                return;
            }
            int index = ready.indexInZone(position);
            int buckets = byMemory[zone].length;
            memory.move(zone, index, memoryBucket(before, buckets), memoryBucket(after, buckets));
            share.move(zone, index, shareBucket(before), shareBucket(after));
        }

        FreeCapacityIndex result() {
            return memory.next == null && share.next == null ? FreeCapacityIndex.this
                    : new FreeCapacityIndex(ready, memory.current(), share.current());
        }
    }

    /** One bucketing being edited: an array is copied when it is still the original's (identity), so at most once. */
    private static final class Table {
        private final long[][][] original;
        private long[][][] next;

        Table(long[][][] original) {
            this.original = original;
        }

        void move(int zone, int index, int from, int to) {
            if (from != to) {
                writable(zone, from)[index >>> 6] &= ~(1L << index);
                writable(zone, to)[index >>> 6] |= 1L << index;
            }
        }

        private long[] writable(int zone, int bucket) {
            if (next == null) {
                next = original.clone();
            }
            if (next[zone] == original[zone]) {
                next[zone] = original[zone].clone();
            }
            if (next[zone][bucket] == original[zone][bucket]) {
                next[zone][bucket] = original[zone][bucket].clone();
            }
            return next[zone][bucket];
        }

        long[][][] current() {
            return next == null ? original : next;
        }
    }

    /**
     * The zone's ready nodes with at least about {@code memoryMiB} free, by free memory from the least; each bucket
     * in node-id order, so consecutive placements of one size keep landing on the same node until it is full.
     */
    Cursor fullestFirst(String zone, long memoryMiB) {
        int zoneIndex = ready.zoneIndex(zone);
        if (zoneIndex < 0) {
            return new Cursor(NO_BUCKETS, null, NO_POSITIONS, 0, 0, 1, 0);
        }
        long[][] buckets = byMemory[zoneIndex];
        return new Cursor(buckets, null, ready.positions(zoneIndex), Math.min(bucket(memoryMiB), buckets.length), buckets.length, 1, 0);
    }

    /**
     * The zone's ready nodes with at least about {@code memoryMiB} free, by free share from the largest; each bucket
     * from the node at {@code seed} (modulo the zone's size) on, wrapping around, so decisions with different seeds
     * start at different nodes among nearly equal ones.
     */
    Cursor emptiestFirst(String zone, long memoryMiB, int seed) {
        int zoneIndex = ready.zoneIndex(zone);
        if (zoneIndex < 0) {
            return new Cursor(NO_BUCKETS, null, NO_POSITIONS, 0, 0, 1, 0);
        }
        int[] positions = ready.positions(zoneIndex);
        long[][] memoryBuckets = byMemory[zoneIndex];
        int lowest = bucket(memoryMiB);
        long[] mask = null;
        if (lowest > 0) { // nodes of every memory bucket from the request's up; bucket 0 included means every node
            mask = new long[(positions.length + 63) >>> 6];
            for (int bucket = lowest; bucket < memoryBuckets.length; bucket++) {
                long[] set = memoryBuckets[bucket];
                for (int word = 0; word < mask.length; word++) {
                    mask[word] |= set[word];
                }
            }
        }
        return new Cursor(byShare[zoneIndex], mask, positions, SHARE_BUCKETS, -1, -1, Math.floorMod(seed, Math.max(1, positions.length)));
    }

    /**
     * Walks buckets from {@code first} to {@code end} (exclusive) by {@code step}; each bucket from {@code start},
     * wrapping; only nodes in {@code mask} when there is one.
     */
    static final class Cursor {
        private final long[][] buckets;
        private final long[] mask;
        private final int[] positions;
        private final int end;
        private final int step;
        private final int start;
        private int bucket;
        private int from;
        private boolean wrapped;

        private Cursor(long[][] buckets, long[] mask, int[] positions, int first, int end, int step, int start) {
            this.buckets = buckets;
            this.mask = mask;
            this.positions = positions;
            this.bucket = first;
            this.end = end;
            this.step = step;
            this.start = start;
            this.from = start;
        }

        /** The next node's position in the snapshot, or -1 when none is left. */
        int next() {
            while (bucket != end) {
                int found = nextSetBit(buckets[bucket], from, wrapped ? start : positions.length);
                if (found >= 0) {
                    from = found + 1;
                    return positions[found];
                }
                if (!wrapped && start > 0) {
                    wrapped = true;
                    from = 0;
                } else {
                    bucket += step;
                    wrapped = false;
                    from = start;
                }
            }
            return -1;
        }

        private int nextSetBit(long[] words, int from, int to) {
            if (from >= to) {
                return -1;
            }
            int word = from >>> 6;
            long bits = masked(words, word) & (-1L << from);
            while (true) {
                if (bits != 0) {
                    int found = (word << 6) + Long.numberOfTrailingZeros(bits);
                    return found < to ? found : -1;
                }
                if (++word >= words.length || word << 6 >= to) {
                    return -1;
                }
                bits = masked(words, word);
            }
        }

        private long masked(long[] words, int word) {
            return mask == null ? words[word] : words[word] & mask[word];
        }
    }
}
