package dev.sovra.controller.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.sovra.model.Node;
import dev.sovra.model.NodeInventory;
import dev.sovra.model.NodeState;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The chunked array behaves exactly like a copied flat array, across chunk boundaries, and never changes in place. */
class UsageArrayTest {
    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

    private static NodeUsage usage(int i, int vcpus) {
        Node node = new Node("n" + i, new NodeInventory("n" + i, "cpu", 8, 8192, List.of(), List.of(), "kvm", "generic", "a"),
                NodeState.READY, 1.0, 1.0, 0, NOW, NOW);
        return new NodeUsage(node, vcpus, 0);
    }

    @Test
    void changesMatchAFlatCopyAndLeaveEarlierVersionsAlone() {
        Random random = new Random(9);
        for (int size : new int[] {0, 1, 63, 64, 65, 130, 1000}) {
            NodeUsage[] flat = new NodeUsage[size];
            for (int i = 0; i < size; i++) {
                flat[i] = usage(i, 0);
            }
            UsageArray array = UsageArray.of(flat);
            for (int step = 0; step < 200 && size > 0; step++) {
                NodeUsage[] before = flat.clone();
                UsageArray previous = array;
                if (random.nextBoolean()) {
                    int position = random.nextInt(size);
                    flat[position] = usage(position, step + 1);
                    array = array.with(position, flat[position]);
                } else {
                    Map<Integer, NodeUsage> changes = new HashMap<>();
                    for (int k = random.nextInt(5); k >= 0; k--) {
                        int position = random.nextInt(size);
                        changes.put(position, usage(position, step + 1));
                    }
                    changes.forEach((position, usage) -> flat[position] = usage);
                    array = array.with(changes);
                }
                assertArrayEquals(flat, array.toArray(), "size " + size + " step " + step);
                assertArrayEquals(before, previous.toArray(), "an earlier version never changes");
                assertEquals(size, array.size());
                for (int i = 0; i < size; i++) {
                    assertSame(flat[i], array.get(i));
                }
            }
        }
    }
}
