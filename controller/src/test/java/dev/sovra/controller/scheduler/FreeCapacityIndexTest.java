package dev.sovra.controller.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.model.Node;
import dev.sovra.model.NodeInventory;
import dev.sovra.model.NodeState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The free-capacity index derived commit by commit walks exactly what one built from scratch walks, in the policy's
 * order (free share up for bin-pack, down for spread), never skips a node that has the memory, and
 * earlier versions never change.
 */
class FreeCapacityIndexTest {
    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    private static final String[] ZONES = {"a", "b", "c"};
    private static final long[] MEMORY = {8192, 32768, 131072, 524288};

    private static Node node(int i, Random random) {
        String id = String.format("n%04d", i);
        NodeInventory inventory = new NodeInventory(id, "cpu", 64, MEMORY[random.nextInt(MEMORY.length)], List.of(), List.of(), "kvm",
                "generic", ZONES[random.nextInt(ZONES.length)]);
        return new Node(id, inventory, random.nextInt(10) == 0 ? NodeState.DOWN : NodeState.READY, 1.0, 1.0, 0, NOW, NOW);
    }

    private static NodeUsage randomUsage(Node node, Random random) {
        return new NodeUsage(node, random.nextInt(node.allocatableVcpus() + 1), (long) (random.nextDouble() * (node.allocatableMemoryMiB() + 1)));
    }

    private static List<Integer> walk(FreeCapacityIndex.Cursor cursor) {
        List<Integer> positions = new ArrayList<>();
        for (int position = cursor.next(); position >= 0; position = cursor.next()) {
            positions.add(position);
        }
        return positions;
    }

    @Test
    void derivedIndexWalksLikeAFreshOneInPolicyOrderAndMissesNoNodeThatHasTheMemory() {
        Random random = new Random(13);
        for (int size : new int[] {1, 17, 64, 65, 700}) {
            NodeUsage[] flat = new NodeUsage[size];
            for (int i = 0; i < size; i++) {
                flat[i] = randomUsage(node(i, random), random);
            }
            ReadyNodesByZone ready = ReadyNodesByZone.of(flat);
            UsageArray usages = UsageArray.of(flat);
            FreeCapacityIndex index = FreeCapacityIndex.of(ready, flat);
            for (int step = 0; step < 150; step++) {
                FreeCapacityIndex previous = index;
                List<Integer> previousWalk = walk(previous.fullestFirst("a", 0));
                Map<Integer, NodeUsage> changes = new HashMap<>();
                for (int k = random.nextInt(4); k >= 0; k--) {
                    int position = random.nextInt(size);
                    changes.put(position, randomUsage(flat[position].node(), random));
                }
                if (changes.size() == 1) {
                    Map.Entry<Integer, NodeUsage> change = changes.entrySet().iterator().next();
                    index = index.with(change.getKey(), usages.get(change.getKey()), change.getValue());
                } else {
                    index = index.with(changes, usages);
                }
                usages = usages.with(changes);
                changes.forEach((position, usage) -> flat[position] = usage);
                assertEquals(previousWalk, walk(previous.fullestFirst("a", 0)), "an earlier version never changes");

                FreeCapacityIndex fresh = FreeCapacityIndex.of(ready, flat);
                for (String zone : List.of("a", "b", "c", "nowhere")) {
                    long memory = random.nextInt(4) == 0 ? 0 : (long) (random.nextDouble() * 600_000);
                    int seed = random.nextInt();
                    List<Integer> fullest = walk(index.fullestFirst(zone, memory));
                    List<Integer> emptiest = walk(index.emptiestFirst(zone, memory, seed));
                    assertEquals(walk(fresh.fullestFirst(zone, memory)), fullest, "size " + size + " step " + step);
                    assertEquals(walk(fresh.emptiestFirst(zone, memory, seed)), emptiest, "size " + size + " step " + step);

                    Set<Integer> expected = new HashSet<>();
                    for (int position : ready.positions(zone)) {
                        if (flat[position].freeMemoryMiB() >= memory) {
                            expected.add(position);
                        }
                    }
                    assertTrue(new HashSet<>(fullest).containsAll(expected), "every ready node with the memory is walked");
                    assertEquals(new HashSet<>(fullest).size(), fullest.size(), "each node once");
                    assertEquals(new HashSet<>(fullest), new HashSet<>(emptiest), "both orders walk the same nodes");
                    for (int i = 0; i < fullest.size(); i++) {
                        int bucket = FreeCapacityIndex.bucket(flat[fullest.get(i)].freeMemoryMiB());
                        assertTrue(bucket >= FreeCapacityIndex.bucket(memory), "a node of a lower bucket lacks the memory");
                        assertEquals(zone, flat[fullest.get(i)].node().inventory().zone());
                        assertTrue(flat[fullest.get(i)].node().schedulable());
                        if (i > 0) {
                            assertTrue(FreeCapacityIndex.shareBucket(flat[fullest.get(i)])
                                    >= FreeCapacityIndex.shareBucket(flat[fullest.get(i - 1)]), "fullest share first");
                            assertTrue(FreeCapacityIndex.shareBucket(flat[emptiest.get(i)])
                                    <= FreeCapacityIndex.shareBucket(flat[emptiest.get(i - 1)]), "emptiest share first");
                        }
                    }
                }
            }
        }
    }

    @Test
    void bucketsAreQuarterOctavesAndARequestsBucketStartsAtItsSize() {
        assertEquals(0, FreeCapacityIndex.bucket(-5));
        assertEquals(0, FreeCapacityIndex.bucket(1023));
        assertEquals(1, FreeCapacityIndex.bucket(1024));
        assertEquals(1, FreeCapacityIndex.bucket(1279));
        assertEquals(2, FreeCapacityIndex.bucket(1280));
        assertEquals(5, FreeCapacityIndex.bucket(2048));
        assertEquals(5, FreeCapacityIndex.bucket(2559));
        for (long size = 1024; size <= 1L << 20; size *= 2) {
            assertEquals(FreeCapacityIndex.bucket(size - 1) + 1, FreeCapacityIndex.bucket(size), "a power of two starts a bucket");
        }
    }
}
