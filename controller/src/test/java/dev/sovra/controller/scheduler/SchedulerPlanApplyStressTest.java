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
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

/**
 * The acceptance of plan/apply: 50,000 random placements and releases racing from many threads over 1,000 nodes
 * never oversubscribe a node beyond its overcommit ratios and never put two instances of an anti-affinity group on
 * one node. Placement threads use the real {@link PlacementWorker} over one {@link PlanApplier}; a small "hot" zone
 * makes them collide constantly; nodes go down meanwhile; some durable writes fail. A checker thread verifies the
 * invariants continuously on the applier's snapshots and on an independent tally; at the end the tally, a recount
 * of every surviving placement and the applier's bookkeeping must agree exactly.
 */
class SchedulerPlanApplyStressTest {
    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");
    private static final int NODES = 1000;
    private static final int HOT_NODES = 12;
    private static final int OPERATIONS = 50_000;
    private static final int THREADS = 8;
    private static final int NODES_GOING_DOWN = 40;
    private static final String[] ZONES = {"a", "b", "c"};
    private static final int[][] SERVERS = {{8, 32768}, {16, 65536}, {32, 131072}, {64, 262144}};
    private static final int[][] SKUS = {{1, 1024}, {2, 4096}, {4, 8192}, {8, 32768}, {16, 65536}};

    /** Counts kept by the test threads themselves, never read from the applier: raised after a commit, lowered before a release. */
    private static final class Tally {
        final AtomicIntegerArray vcpus = new AtomicIntegerArray(NODES);
        final AtomicLongArray memory = new AtomicLongArray(NODES);
        final Map<String, AtomicInteger> groupMembers = new ConcurrentHashMap<>(); // "node|group" -> instances

        void add(int node, PlacementRequest request, int sign) {
            vcpus.addAndGet(node, sign * request.vcpus());
            memory.addAndGet(node, sign * request.memoryMiB());
            if (request.antiAffinityGroup() != null) {
                groupMembers.computeIfAbsent(node + "|" + request.antiAffinityGroup(), k -> new AtomicInteger()).addAndGet(sign);
            }
        }
    }

    private static List<Node> cluster(Random random) {
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            int[] server = SERVERS[random.nextInt(SERVERS.length)];
            String id = String.format("n%04d", i);
            String zone = i < HOT_NODES ? "hot" : ZONES[random.nextInt(ZONES.length)];
            NodeInventory inventory = new NodeInventory(id, "cpu", server[0], server[1], List.of(), List.of("kvm"), "kvm", "generic", zone);
            NodeState state = random.nextInt(100) < 5 ? NodeState.DOWN : NodeState.READY;
            double cpuRatio = 1.0 + random.nextInt(5) * 0.5; // 1.0 .. 3.0
            double memoryRatio = random.nextBoolean() ? 1.0 : 1.25;
            nodes.add(new Node(id, inventory, state, cpuRatio, memoryRatio, 1024, NOW, NOW));
        }
        return nodes;
    }

    private static PlacementRequest request(Random random) {
        int[] sku = SKUS[random.nextInt(SKUS.length)];
        String zone = random.nextInt(100) < 40 ? "hot" : ZONES[random.nextInt(ZONES.length)];
        String group = random.nextBoolean() ? "t/w/group-" + random.nextInt(20) : null;
        return new PlacementRequest(new UUID(random.nextLong(), random.nextLong()).toString(), sku[0], sku[1], zone, group);
    }

    @Test
    void fiftyThousandRacingPlacementsAndReleasesOnThousandNodesNeverOvercommitAndRespectAntiAffinity() throws Exception {
        List<Node> nodes = cluster(new Random(42));
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < NODES; i++) {
            index.put(nodes.get(i).id(), i);
        }
        PlanApplier applier = new PlanApplier(ClusterSnapshot.of(nodes, List.of()), Scheduler.standard().checks());
        Tally tally = new Tally();
        Queue<String> violations = new ConcurrentLinkedQueue<>();
        AtomicInteger operations = new AtomicInteger();
        AtomicInteger placed = new AtomicInteger();
        AtomicInteger released = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicInteger deferred = new AtomicInteger();
        AtomicInteger placedAfterRejection = new AtomicInteger();
        AtomicInteger checks = new AtomicInteger();
        List<List<Placement>> held = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch placersDone = new CountDownLatch(THREADS);

        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            List<Placement> mine = new ArrayList<>();
            held.add(mine);
            long seed = 1000 + t;
            threads.add(new Thread(() -> {
                Random random = new Random(seed);
                // ~2 % of durable writes fail, as when the instance was changed meanwhile: the claim must be released.
                PlacementWorker worker = new PlacementWorker(Scheduler.standard(), applier, p -> random.nextInt(50) != 0, 8);
                try {
                    start.await();
                    while (operations.get() < OPERATIONS) {
                        if (!mine.isEmpty() && random.nextInt(100) < 40) {
                            List<Placement> leaving = new ArrayList<>();
                            for (int n = 1 + random.nextInt(4); n > 0 && !mine.isEmpty(); n--) {
                                Placement gone = mine.remove(random.nextInt(mine.size()));
                                tally.add(index.get(gone.nodeId()), gone.request(), -1);
                                leaving.add(gone);
                            }
                            applier.release(leaving);
                            released.addAndGet(leaving.size());
                            operations.addAndGet(leaving.size());
                            continue;
                        }
                        List<PlacementRequest> batch = new ArrayList<>();
                        for (int n = 1 + random.nextInt(8); n > 0; n--) {
                            batch.add(request(random));
                        }
                        for (PlacementWorker.Outcome outcome : worker.place(batch)) {
                            if (outcome instanceof PlacementWorker.Placed p) {
                                tally.add(index.get(p.placement().nodeId()), p.request(), +1);
                                mine.add(p.placement());
                                placed.incrementAndGet();
                                if (p.attempts() > 1) {
                                    placedAfterRejection.incrementAndGet();
                                }
                                if (!p.request().zone().equals(nodes.get(index.get(p.placement().nodeId())).inventory().zone())) {
                                    violations.add("placed in the wrong zone: " + p);
                                }
                            } else if (outcome instanceof PlacementWorker.Refused) {
                                refused.incrementAndGet();
                            } else {
                                deferred.incrementAndGet();
                            }
                        }
                        operations.addAndGet(batch.size());
                    }
                } catch (Throwable e) {
                    violations.add("placement thread failed: " + e);
                } finally {
                    placersDone.countDown();
                }
            }, "placer-" + t));
        }
        threads.add(new Thread(() -> { // nodes go down while placements race; a down node never gains allocations
            Random random = new Random(7);
            try {
                start.await();
                for (int n = 0; n < NODES_GOING_DOWN && placersDone.getCount() > 0; n++) {
                    Thread.sleep(random.nextInt(3));
                    Node node = nodes.get(random.nextInt(random.nextBoolean() ? HOT_NODES : NODES));
                    applier.nodeChanged(node.withState(NodeState.DOWN, NOW.plusSeconds(1)));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "nodes-going-down"));
        Thread checker = new Thread(() -> {
            Map<String, Integer> downAllocations = new HashMap<>(); // node -> vCPU when last seen down
            try {
                start.await();
                do {
                    ClusterSnapshot snapshot = applier.snapshot();
                    for (NodeUsage usage : snapshot.nodes()) {
                        checkWithinRatios(usage, violations);
                        if (usage.node().state() == NodeState.DOWN) {
                            Integer before = downAllocations.put(usage.node().id(), usage.allocatedVcpus());
                            if (before != null && usage.allocatedVcpus() > before) {
                                violations.add("down node " + usage.node().id() + " gained allocations: " + before + " -> "
                                        + usage.allocatedVcpus());
                            }
                        }
                    }
                    for (int i = 0; i < NODES; i++) { // the tally never exceeds the truth, so it must be within limits too
                        Node node = nodes.get(i);
                        if (tally.vcpus.get(i) > node.allocatableVcpus() || tally.memory.get(i) > node.allocatableMemoryMiB()) {
                            violations.add("tally over capacity on " + node.id() + ": " + tally.vcpus.get(i) + " vCPU, "
                                    + tally.memory.get(i) + " MiB");
                        }
                    }
                    tally.groupMembers.forEach((nodeAndGroup, count) -> {
                        if (count.get() > 1) {
                            violations.add("anti-affinity broken: " + count.get() + " instances of " + nodeAndGroup);
                        }
                    });
                    checks.incrementAndGet();
                    Thread.sleep(1);
                } while (placersDone.getCount() > 0);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "invariant-checker");
        threads.add(checker);
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread thread : threads) {
            thread.join(120_000);
            assertTrue(!thread.isAlive(), thread.getName() + " still running");
        }

        assertTrue(violations.isEmpty(), violations.size() + " violations, first: " + violations.peek());
        // At rest: the independent recount of surviving placements, the tally and the applier agree exactly.
        ClusterSnapshot end = applier.snapshot();
        int[] recountVcpus = new int[NODES];
        long[] recountMemory = new long[NODES];
        Map<String, Set<String>> recountGroups = new HashMap<>();
        Set<String> uids = new HashSet<>();
        for (List<Placement> mine : held) {
            for (Placement placement : mine) {
                int node = index.get(placement.nodeId());
                recountVcpus[node] += placement.request().vcpus();
                recountMemory[node] += placement.request().memoryMiB();
                assertTrue(uids.add(placement.instanceUid()), "placed twice: " + placement);
                String group = placement.request().antiAffinityGroup();
                if (group != null) {
                    assertTrue(recountGroups.computeIfAbsent(placement.nodeId(), k -> new HashSet<>()).add(group),
                            "two instances of " + group + " on " + placement.nodeId());
                }
            }
        }
        for (int i = 0; i < NODES; i++) {
            NodeUsage usage = end.node(nodes.get(i).id());
            checkWithinRatios(usage, violations);
            assertEquals(recountVcpus[i], usage.allocatedVcpus(), "vCPU of " + usage.node().id());
            assertEquals(recountMemory[i], usage.allocatedMemoryMiB(), "memory of " + usage.node().id());
            assertEquals(recountGroups.getOrDefault(usage.node().id(), Set.of()), usage.antiAffinityGroups(),
                    "groups of " + usage.node().id());
            assertEquals(recountVcpus[i], tally.vcpus.get(i), "tally vCPU of " + usage.node().id());
            assertEquals(recountMemory[i], tally.memory.get(i), "tally memory of " + usage.node().id());
        }
        assertTrue(violations.isEmpty(), violations.size() + " violations, first: " + violations.peek());

        // The run must have exercised what it claims to: many operations, contention, refusals and failed writes.
        assertTrue(operations.get() >= OPERATIONS, "operations " + operations.get());
        String counts = "placed=" + placed + " released=" + released + " refused=" + refused + " deferred=" + deferred
                + " placedAfterRejection=" + placedAfterRejection + " checks=" + checks;
        assertTrue(placed.get() > 10_000 && released.get() > 10_000, counts);
        assertTrue(placedAfterRejection.get() > 0, "plans collided and were retried: " + counts);
        assertTrue(refused.get() > 100, "the hot zone filled up: " + counts);
        assertTrue(deferred.get() > 0, "failed durable writes: " + counts);
        assertTrue(checks.get() > 10, "the checker ran throughout: " + counts);
        System.out.println("plan/apply stress: " + counts);
    }

    private static void checkWithinRatios(NodeUsage usage, Queue<String> violations) {
        if (usage.allocatedVcpus() > usage.node().allocatableVcpus() || usage.allocatedMemoryMiB() > usage.node().allocatableMemoryMiB()) {
            violations.add("node " + usage.node().id() + " oversubscribed: " + usage.allocatedVcpus() + "/"
                    + usage.node().allocatableVcpus() + " vCPU, " + usage.allocatedMemoryMiB() + "/"
                    + usage.node().allocatableMemoryMiB() + " MiB");
        }
    }
}
