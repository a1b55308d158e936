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
 *   <li><b>By free share</b> (free memory share plus free vCPU share, halved: what {@link SpreadScorer} and
 *   {@link BinPackScorer} rank by), in sixteenths: the walk order. Bin-pack walks it from the fullest up, spread from
 *   the emptiest down, so mixed node sizes are ranked by how full they are, not by how much memory they have.</li>
 *   <li><b>By free memory</b>, in quarter octaves: bucket 0 holds nodes with less than 1 GiB free, then [1, 1.25),
 *   [1.25, 1.5), [1.5, 1.75), [1.75, 2), [2, 2.5) GiB and so on: the filter. Every node below the bucket of a
 *   request's memory lacks that memory, so walks keep only the nodes of the request's bucket and above (OR-ed, or the
 *   buckets below it OR-ed and dropped, whichever are fewer, a word of 64 nodes at a time when the walk reaches that
 *   word; no filter when no node lacks the memory); SKU sizes, powers of two, start a bucket, so then every node
 *   walked has the memory. Memory rather than vCPU because memory is what a node runs out
 *   of first (vCPUs are overcommitted, memory is not by default); the capacity check still runs on every candidate
 *   for both.</li>
 * </ul>
 *
 * <p>A long per zone and bucketing marks its non-empty buckets, so a walk jumps over empty ones without reading them.
 *
 * <p>Immutable. A placement that moves a node to another bucket copies, per bucketing, that zone's bucket table (at
 * most about 40 references), the two bit sets involved (one bit per ready node of the zone: 25 words at 1,600 nodes)
 * and the zones' occupancy longs, not the index; one that keeps the node in its buckets copies nothing.
 */
final class FreeCapacityIndex {
    private static final int SUB_BUCKET_BITS = 2;
    private static final int SMALLEST_OCTAVE = 10; // 1 GiB in MiB = 2^10: below it, bucket 0
    private static final int SHARE_BUCKETS = 16;
    /** At most one bucket per bit of a long, so a zone's non-empty buckets fit in one (64: about 40 TiB free). */
    private static final int MAX_BUCKETS = 64;
    private static final long[][] NO_BUCKETS = new long[0][];
    private static final int[] NO_POSITIONS = new int[0];

    private final ReadyNodesByZone ready;
    private final Bucketing byMemory;
    private final Bucketing byShare;

    /**
     * One bucketing of every zone: {@code sets[zone][bucket]} is a bit set over the zone's ready nodes, and bit b of
     * {@code occupied[zone]} says whether bucket b has a node, so walks skip empty buckets without reading them.
     */
    private record Bucketing(long[][][] sets, long[] occupied) {}

    private FreeCapacityIndex(ReadyNodesByZone ready, Bucketing byMemory, Bucketing byShare) {
        this.ready = ready;
        this.byMemory = byMemory;
        this.byShare = byShare;
    }

    static FreeCapacityIndex of(ReadyNodesByZone ready, NodeUsage[] usages) {
        long largest = 0;
        for (NodeUsage usage : usages) {
            largest = Math.max(largest, usage.node().allocatableMemoryMiB());
        }
        int memoryBuckets = Math.min(MAX_BUCKETS, bucket(largest) + 1);
        Bucketing byMemory = new Bucketing(new long[ready.zoneCount()][][], new long[ready.zoneCount()]);
        Bucketing byShare = new Bucketing(new long[ready.zoneCount()][][], new long[ready.zoneCount()]);
        for (int zone = 0; zone < ready.zoneCount(); zone++) {
            int[] positions = ready.positions(zone);
            byMemory.sets[zone] = emptySets(memoryBuckets, positions.length);
            byShare.sets[zone] = emptySets(SHARE_BUCKETS + 1, positions.length);
            for (int index = 0; index < positions.length; index++) {
                NodeUsage usage = usages[positions[index]];
                int memory = memoryBucket(usage, memoryBuckets);
                int share = shareBucket(usage);
                byMemory.sets[zone][memory][index >>> 6] |= 1L << index;
                byMemory.occupied[zone] |= 1L << memory;
                byShare.sets[zone][share][index >>> 6] |= 1L << index;
                byShare.occupied[zone] |= 1L << share;
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

    private final class Editor {
        private final Edit memory = new Edit(byMemory);
        private final Edit share = new Edit(byShare);

        void move(int position, NodeUsage before, NodeUsage after) {
            int zone = ready.zoneOf(position);
            if (zone < 0) {
                return;
            }
            int index = ready.indexInZone(position);
            int buckets = byMemory.sets[zone].length;
            memory.move(zone, index, memoryBucket(before, buckets), memoryBucket(after, buckets));
            share.move(zone, index, shareBucket(before), shareBucket(after));
        }

        FreeCapacityIndex result() {
            return memory.sets == null && share.sets == null ? FreeCapacityIndex.this
                    : new FreeCapacityIndex(ready, memory.result(), share.result());
        }
    }

    /** One bucketing being edited: an array is copied when it is still the original's (identity), so at most once. */
    private static final class Edit {
        private final Bucketing original;
        private long[][][] sets;
        private long[] occupied;

        Edit(Bucketing original) {
            this.original = original;
        }

        void move(int zone, int index, int from, int to) {
            if (from == to) {
                return;
            }
            long[] source = writable(zone, from);
            source[index >>> 6] &= ~(1L << index);
            writable(zone, to)[index >>> 6] |= 1L << index;
            occupied[zone] |= 1L << to;
            if (isEmpty(source)) {
                occupied[zone] &= ~(1L << from);
            }
        }

        private static boolean isEmpty(long[] set) {
            for (long word : set) {
                if (word != 0) {
                    return false;
                }
            }
            return true;
        }

        private long[] writable(int zone, int bucket) {
            if (sets == null) {
                sets = original.sets.clone();
                occupied = original.occupied.clone();
            }
            if (sets[zone] == original.sets[zone]) {
                sets[zone] = original.sets[zone].clone();
            }
            if (sets[zone][bucket] == original.sets[zone][bucket]) {
                sets[zone][bucket] = original.sets[zone][bucket].clone();
            }
            return sets[zone][bucket];
        }

        Bucketing result() {
            return sets == null ? original : new Bucketing(sets, occupied);
        }
    }

    /**
     * The zone's ready nodes with at least about {@code memoryMiB} free, by free share from the least; each bucket in
     * node-id order, so consecutive placements of one size keep landing on the same node until it is full (a node
     * that took one only moves to a fuller bucket, walked earlier).
     */
    Cursor fullestFirst(String zone, long memoryMiB) {
        return byShare(zone, memoryMiB, true, 0);
    }

    /**
     * The zone's ready nodes with at least about {@code memoryMiB} free, by free share from the largest; each bucket
     * from the node at {@code seed} (modulo the zone's size) on, wrapping around, so decisions with different seeds
     * start at different nodes among nearly equal ones.
     */
    Cursor emptiestFirst(String zone, long memoryMiB, int seed) {
        return byShare(zone, memoryMiB, false, seed);
    }

    private Cursor byShare(String zone, long memoryMiB, boolean ascending, int seed) {
        int zoneIndex = ready.zoneIndex(zone);
        int lowest = bucket(memoryMiB);
        if (zoneIndex < 0 || lowest >= MAX_BUCKETS) {
            return new Cursor(NO_BUCKETS, 0, ascending, NO_POSITIONS, 0, null, 0, false);
        }
        long occupied = byMemory.occupied[zoneIndex];
        long below = occupied & ((1L << lowest) - 1);
        long above = occupied & (-1L << lowest);
        if (above == 0) {
            return new Cursor(NO_BUCKETS, 0, ascending, NO_POSITIONS, 0, null, 0, false);
        }
        int[] positions = ready.positions(zoneIndex);
        // every ready node is in exactly one memory bucket: keep those above, or drop those below, whichever has fewer
        // buckets to OR; nothing below (the usual case when the zone has room) needs no filter at all
        boolean dropBelow = Long.bitCount(below) <= Long.bitCount(above);
        return new Cursor(byShare.sets[zoneIndex], byShare.occupied[zoneIndex], ascending, positions,
                Math.floorMod(seed, Math.max(1, positions.length)), below == 0 ? null : byMemory.sets[zoneIndex],
                dropBelow ? below : above, dropBelow);
    }

    /**
     * Walks the buckets in {@code toWalk} (bits) upwards or downwards; each bucket from {@code start}, wrapping; when
     * {@code filterSets} is given, only nodes in one of its {@code filter} buckets, or with {@code excluding} only nodes
     * in none of them (computed a word at a time, when the walk reaches that word).
     */
    static final class Cursor {
        private final long[][] buckets;
        private final boolean ascending;
        private final int[] positions;
        private final int start;
        private final long[][] filterSets;
        private final long filter;
        private final boolean excluding;
        private long[] filterWords;
        private long[] filterKnown;
        private long toWalk;
        private int bucket = -1;
        private int from;
        private boolean wrapped;

        private Cursor(long[][] buckets, long toWalk, boolean ascending, int[] positions, int start, long[][] filterSets, long filter,
                       boolean excluding) {
            this.buckets = buckets;
            this.toWalk = toWalk;
            this.ascending = ascending;
            this.positions = positions;
            this.start = start;
            this.filterSets = filterSets;
            this.filter = filter;
            this.excluding = excluding;
        }

        /** The next node's position in the snapshot, or -1 when none is left. */
        int next() {
            while (true) {
                if (bucket < 0) {
                    if (toWalk == 0) {
                        return -1;
                    }
                    bucket = ascending ? Long.numberOfTrailingZeros(toWalk) : 63 - Long.numberOfLeadingZeros(toWalk);
                    toWalk &= ~(1L << bucket);
                    from = start;
                    wrapped = false;
                }
                int found = nextSetBit(buckets[bucket], from, wrapped ? start : positions.length);
                if (found >= 0) {
                    from = found + 1;
                    return positions[found];
                }
                if (!wrapped && start > 0) {
                    wrapped = true;
                    from = 0;
                } else {
                    bucket = -1;
                }
            }
        }

        private int nextSetBit(long[] words, int from, int to) {
            if (from >= to) {
                return -1;
            }
            int word = from >>> 6;
            long bits = filtered(words, word) & (-1L << from);
            while (true) {
                if (bits != 0) {
                    int found = (word << 6) + Long.numberOfTrailingZeros(bits);
                    return found < to ? found : -1;
                }
                if (++word >= words.length || word << 6 >= to) {
                    return -1;
                }
                bits = filtered(words, word);
            }
        }

        private long filtered(long[] words, int word) {
            return filterSets == null ? words[word] : words[word] & filterWord(word);
        }

        private long filterWord(int word) {
            if (filterWords == null) {
                filterWords = new long[filterSets[0].length];
                filterKnown = new long[(filterWords.length + 63) >>> 6];
            }
            if ((filterKnown[word >>> 6] & (1L << word)) == 0) {
                long union = 0;
                for (long rest = filter; rest != 0; rest &= rest - 1) {
                    union |= filterSets[Long.numberOfTrailingZeros(rest)][word];
                }
                filterWords[word] = excluding ? ~union : union;
                filterKnown[word >>> 6] |= 1L << word;
            }
            return filterWords[word];
        }
    }
}
