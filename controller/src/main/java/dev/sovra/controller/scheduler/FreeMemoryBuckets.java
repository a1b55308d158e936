package dev.sovra.controller.scheduler;

import java.util.Map;

/**
 * The ready nodes of each zone grouped by free memory, so that a decision starts with the nodes its policy prefers
 * (the fullest that still fit for bin-pack, the emptiest for spread) and never visits a node that lacks the memory
 * asked for, however full the zone is.
 *
 * <p>Buckets are quarter octaves of free memory: bucket 0 holds nodes with less than 1 GiB free, then [1, 1.25),
 * [1.25, 1.5), [1.5, 1.75), [1.75, 2), [2, 2.5) GiB and so on, so the nodes of one bucket are within 25 % of each other
 * and every node below the bucket of a request's memory lacks that memory (SKU sizes, powers of two, start a
 * bucket: then every node of the first bucket walked has the memory too). Memory rather than vCPU because memory is
 * what a node runs out of first (vCPUs are overcommitted, memory is not by default); the capacity check still
 * runs on every candidate for both. Each bucket is a bit set over the zone's ready nodes (their index in node-id
 * order, see {@link ReadyNodesByZone}): a bucket is walked in node-id order, a word of 64 nodes at a time.
 *
 * <p>Immutable. A placement that moves a node to another bucket copies that zone's bucket table (about 40
 * references) and the two bit sets involved (one bit per ready node of the zone: 25 words at 1,600 nodes), not
 * the index; one that keeps the node in its bucket copies nothing.
 */
final class FreeMemoryBuckets {
    private static final int SUB_BUCKET_BITS = 2;
    private static final int SMALLEST_OCTAVE = 10; // 1 GiB in MiB = 2^10: below it, bucket 0
    private static final long[][] NO_BUCKETS = new long[0][];
    private static final int[] NO_POSITIONS = new int[0];

    private final ReadyNodesByZone ready;
    /** [zone][bucket] -> bit set over the zone's ready nodes. */
    private final long[][][] bits;

    private FreeMemoryBuckets(ReadyNodesByZone ready, long[][][] bits) {
        this.ready = ready;
        this.bits = bits;
    }

    static FreeMemoryBuckets of(ReadyNodesByZone ready, NodeUsage[] usages) {
        long largest = 0;
        for (NodeUsage usage : usages) {
            largest = Math.max(largest, usage.node().allocatableMemoryMiB());
        }
        int buckets = bucket(largest) + 1;
        long[][][] bits = new long[ready.zoneCount()][buckets][];
        for (int zone = 0; zone < bits.length; zone++) {
            int[] positions = ready.positions(zone);
            for (int bucket = 0; bucket < buckets; bucket++) {
                bits[zone][bucket] = new long[(positions.length + 63) >>> 6];
            }
            for (int index = 0; index < positions.length; index++) {
                long[] set = bits[zone][clamp(bucket(usages[positions[index]].freeMemoryMiB()), buckets)];
                set[index >>> 6] |= 1L << index;
            }
        }
        return new FreeMemoryBuckets(ready, bits);
    }

    /** The bucket of a node with this much memory free, or the lowest bucket a request of this much memory may find room in. */
    static int bucket(long memoryMiB) {
        if (memoryMiB < 1L << SMALLEST_OCTAVE) {
            return 0;
        }
        int octave = 63 - Long.numberOfLeadingZeros(memoryMiB);
        int sub = (int) (memoryMiB >>> (octave - SUB_BUCKET_BITS)) & ((1 << SUB_BUCKET_BITS) - 1);
        return 1 + ((octave - SMALLEST_OCTAVE) << SUB_BUCKET_BITS) + sub;
    }

    private static int clamp(int bucket, int buckets) {
        return Math.min(bucket, buckets - 1);
    }

    /** The index after the usages at the given positions changed from {@code before}'s; each touched array is copied once. */
    FreeMemoryBuckets with(Map<Integer, NodeUsage> changed, UsageArray before) {
        Editor editor = new Editor();
        changed.forEach((position, usage) -> editor.move(position, before.get(position), usage));
        return editor.result();
    }

    FreeMemoryBuckets with(int position, NodeUsage before, NodeUsage after) {
        Editor editor = new Editor();
        editor.move(position, before, after);
        return editor.result();
    }

    /** Copy on first write: a zone's bucket table and each bit set at most once per edit. */
    private final class Editor {
        private long[][][] next;
        private boolean[][] copied;

        void move(int position, NodeUsage before, NodeUsage after) {
            int zone = ready.zoneOf(position);
            if (zone < 0) {
                return;
            }
            int buckets = bits[zone].length;
            int from = clamp(bucket(before.freeMemoryMiB()), buckets);
            int to = clamp(bucket(after.freeMemoryMiB()), buckets);
            if (from == to) {
                return;
            }
            int index = ready.indexInZone(position);
            writable(zone, from)[index >>> 6] &= ~(1L << index);
            writable(zone, to)[index >>> 6] |= 1L << index;
        }

        private long[] writable(int zone, int bucket) {
            if (next == null) {
                next = bits.clone();
                copied = new boolean[bits.length][];
            }
            if (copied[zone] == null) {
                next[zone] = next[zone].clone();
                copied[zone] = new boolean[next[zone].length];
            }
            if (!copied[zone][bucket]) {
                next[zone][bucket] = next[zone][bucket].clone();
                copied[zone][bucket] = true;
            }
            return next[zone][bucket];
        }

        FreeMemoryBuckets result() {
            return next == null ? FreeMemoryBuckets.this : new FreeMemoryBuckets(ready, next);
        }
    }

    /**
     * The zone's ready nodes with at least about {@code memoryMiB} free, fullest bucket first; each bucket in node-id
     * order, so consecutive placements of one size keep landing on the same node until it is full.
     */
    Cursor fullestFirst(String zone, long memoryMiB) {
        int zoneIndex = ready.zoneIndex(zone);
        if (zoneIndex < 0) {
            return new Cursor(NO_BUCKETS, NO_POSITIONS, 0, 0, 1, 0);
        }
        long[][] buckets = bits[zoneIndex];
        return new Cursor(buckets, ready.positions(zoneIndex), Math.min(bucket(memoryMiB), buckets.length), buckets.length, 1, 0);
    }

    /**
     * The zone's ready nodes with at least about {@code memoryMiB} free, emptiest bucket first; each bucket from the
     * node at {@code seed} (modulo the zone's size) on, wrapping around, so decisions with different seeds start at
     * different nodes among nearly equal ones.
     */
    Cursor emptiestFirst(String zone, long memoryMiB, int seed) {
        int zoneIndex = ready.zoneIndex(zone);
        if (zoneIndex < 0) {
            return new Cursor(NO_BUCKETS, NO_POSITIONS, 0, 0, 1, 0);
        }
        long[][] buckets = bits[zoneIndex];
        int[] positions = ready.positions(zoneIndex);
        int lowest = Math.min(bucket(memoryMiB), buckets.length);
        return new Cursor(buckets, positions, buckets.length - 1, lowest - 1, -1, Math.floorMod(seed, Math.max(1, positions.length)));
    }

    /** Walks buckets from {@code first} to {@code end} (exclusive) by {@code step}; each bucket from {@code start}, wrapping. */
    static final class Cursor {
        private final long[][] buckets;
        private final int[] positions;
        private final int end;
        private final int step;
        private final int start;
        private int bucket;
        private int from;
        private boolean wrapped;

        private Cursor(long[][] buckets, int[] positions, int first, int end, int step, int start) {
            this.buckets = buckets;
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

        private static int nextSetBit(long[] words, int from, int to) {
            if (from >= to) {
                return -1;
            }
            int word = from >>> 6;
            long bits = words[word] & (-1L << from);
            while (true) {
                if (bits != 0) {
                    int found = (word << 6) + Long.numberOfTrailingZeros(bits);
                    return found < to ? found : -1;
                }
                if (++word >= words.length || word << 6 >= to) {
                    return -1;
                }
                bits = words[word];
            }
        }
    }
}
