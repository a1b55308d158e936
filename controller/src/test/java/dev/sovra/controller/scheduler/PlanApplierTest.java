package dev.sovra.controller.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.model.Node;
import dev.sovra.model.NodeInventory;
import dev.sovra.model.NodeState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The plan applier commits what still fits the live allocations and rejects what became infeasible. */
class PlanApplierTest {
    private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

    private static Node node(String id, int cpus, long memoryMiB, NodeState state) {
        NodeInventory inventory = new NodeInventory(id, "cpu", cpus, memoryMiB, List.of(), List.of("kvm"), "kvm", "generic", "a");
        return new Node(id, inventory, state, 2.0, 1.0, 0, NOW, NOW); // 2 vCPU per CPU
    }

    private static PlanApplier applier(Node... nodes) {
        return new PlanApplier(ClusterSnapshot.of(List.of(nodes), List.of()), Scheduler.standard().checks());
    }

    private static Plan plan(Placement... placements) {
        return new Plan(List.of(placements));
    }

    @Test
    void twoPlansDecidedOnTheSameSnapshotCannotBothTakeTheLastCapacity() {
        PlanApplier applier = applier(node("n1", 2, 4096, NodeState.READY)); // 4 vCPU
        ClusterSnapshot stale = applier.snapshot();
        PlacementRequest first = new PlacementRequest("i1", 3, 1024, "a");
        PlacementRequest second = new PlacementRequest("i2", 3, 1024, "a");
        Placement mine = new Placement(Scheduler.standard().place(stale, first).nodeId(), first);
        Placement theirs = new Placement(Scheduler.standard().place(stale, second).nodeId(), second);

        assertEquals(List.of(mine), applier.apply(plan(mine)).committed());
        PlanResult late = applier.apply(plan(theirs));
        assertEquals(List.of(), late.committed());
        assertEquals(theirs, late.rejected().get(0).placement());
        assertTrue(late.rejected().get(0).reason().contains("vCPU"), late.rejected().get(0).reason());
        assertEquals(3, applier.snapshot().node("n1").allocatedVcpus(), "only the first plan's claim is live");
        assertEquals(0, stale.node("n1").allocatedVcpus(), "snapshots a worker holds never change");
    }

    @Test
    void aPlanCommitsItsFeasiblePartAndRejectsTheRestEachAgainstTheOnesBeforeIt() {
        PlanApplier applier = applier(node("n1", 2, 4096, NodeState.READY), node("n2", 2, 4096, NodeState.DOWN));
        Placement a = new Placement("n1", new PlacementRequest("a", 2, 1024, "a", "t/w/db"));
        Placement b = new Placement("n1", new PlacementRequest("b", 1, 1024, "a", "t/w/db")); // same group, same node
        Placement c = new Placement("n1", new PlacementRequest("c", 2, 1024, "a"));
        Placement d = new Placement("n1", new PlacementRequest("d", 1, 1024, "a")); // 2 + 2 + 1 > 4 vCPU
        Placement e = new Placement("n2", new PlacementRequest("e", 1, 1024, "a")); // node down
        Placement f = new Placement("gone", new PlacementRequest("f", 1, 1024, "a"));
        PlanResult result = applier.apply(plan(a, b, c, d, e, f));
        assertEquals(List.of(a, c), result.committed());
        List<String> reasons = result.rejected().stream().map(PlanResult.Rejection::reason).toList();
        assertEquals(List.of(b, d, e, f), result.rejected().stream().map(PlanResult.Rejection::placement).toList());
        assertTrue(reasons.get(0).contains("anti-affinity"), reasons.get(0));
        assertTrue(reasons.get(1).contains("vCPU"), reasons.get(1));
        assertTrue(reasons.get(2).contains("down"), reasons.get(2));
        assertTrue(reasons.get(3).contains("not known"), reasons.get(3));
        NodeUsage n1 = applier.snapshot().node("n1");
        assertEquals(4, n1.allocatedVcpus());
        assertEquals(2048, n1.allocatedMemoryMiB());
    }

    @Test
    void aNodeThatGoesDownTakesNoMorePlacementsAndReleasesFreeCapacityAndGroups() {
        PlanApplier applier = applier(node("n1", 2, 4096, NodeState.READY));
        Placement db = new Placement("n1", new PlacementRequest("db1", 4, 4096, "a", "t/w/db"));
        assertEquals(1, applier.apply(plan(db)).committed().size());
        applier.release(List.of(db));
        assertEquals(0, applier.snapshot().node("n1").allocatedVcpus());
        assertEquals(1, applier.apply(plan(new Placement("n1", new PlacementRequest("db2", 4, 4096, "a", "t/w/db"))))
                .committed().size(), "the released claim and group are free again");

        applier.nodeChanged(node("n1", 2, 4096, NodeState.DOWN));
        PlanResult afterDown = applier.apply(plan(new Placement("n1", new PlacementRequest("x", 1, 1, "a"))));
        assertTrue(afterDown.committed().isEmpty());
        assertEquals(0, applier.snapshot().readyIn("a").length, "the fresh snapshot no longer offers the node");
    }

    @Test
    void aWorkerDecidesRejectedPlacementsAgainOnAFreshSnapshotAndRecordsOnlyWhatWasCommitted() {
        PlanApplier applier = applier(node("n1", 4, 8192, NodeState.READY), node("n2", 4, 8192, NodeState.READY));
        applier.apply(plan(new Placement("n2", new PlacementRequest("older", 1, 1024, "a")))); // n1 is the better node now
        // Another worker commits n1 full while this one is deciding (on the snapshot it already holds).
        Placement neighbour = new Placement("n1", new PlacementRequest("neighbour", 8, 1024, "a"));
        Scheduler racing = new Scheduler(List.of(new CommitsOnFirstCall(applier, neighbour), new NodeReadyCheck(), new ZoneCheck(),
                new CapacityCheck()), CandidatePool.READY_IN_ZONE, Scheduler.DEFAULT_SAMPLE_SIZE, PlacementPolicy.SPREAD);
        List<Placement> recorded = new ArrayList<>();
        PlacementWorker worker = new PlacementWorker(racing, applier, placement -> recorded.add(placement), 3);

        List<PlacementWorker.Outcome> outcomes = worker.place(List.of(new PlacementRequest("late", 2, 1024, "a")));

        PlacementWorker.Placed placed = assertInstanceOf(PlacementWorker.Placed.class, outcomes.get(0));
        assertEquals(2, placed.attempts(), "rejected once (n1 was taken), committed on the retry");
        assertEquals("n2", placed.placement().nodeId());
        assertEquals(List.of(placed.placement()), recorded, "only the committed placement is recorded");
        assertEquals(8, applier.snapshot().node("n1").allocatedVcpus());
        assertEquals(3, applier.snapshot().node("n2").allocatedVcpus());
    }

    @Test
    void aPlacementWhoseDurableWriteFailsIsDeferredAndItsClaimReleased() {
        PlanApplier applier = applier(node("n1", 4, 8192, NodeState.READY));
        PlacementWorker worker = new PlacementWorker(Scheduler.standard(), applier,
                placement -> !placement.instanceUid().equals("changed"), 3);
        List<PlacementWorker.Outcome> outcomes = worker.place(List.of(new PlacementRequest("kept", 2, 1024, "a", "t/w/g"),
                new PlacementRequest("changed", 3, 2048, "a", "t/w/h"), new PlacementRequest("too-big", 64, 1024, "a")));
        assertInstanceOf(PlacementWorker.Placed.class, outcomes.get(0));
        assertInstanceOf(PlacementWorker.Deferred.class, outcomes.get(1));
        PlacementWorker.Refused refused = assertInstanceOf(PlacementWorker.Refused.class, outcomes.get(2));
        assertTrue(refused.decision().summary().contains("vCPU"), refused.decision().summary());
        NodeUsage n1 = applier.snapshot().node("n1");
        assertEquals(2, n1.allocatedVcpus(), "the unrecorded claim was released");
        assertEquals(1024, n1.allocatedMemoryMiB());
        assertEquals(java.util.Set.of("t/w/g"), n1.antiAffinityGroups());
    }

    /** A check that passes everything, and the first time it runs commits another worker's placement. */
    private static final class CommitsOnFirstCall implements FeasibilityCheck {
        private final PlanApplier applier;
        private final Placement placement;
        private boolean done;

        CommitsOnFirstCall(PlanApplier applier, Placement placement) {
            this.applier = applier;
            this.placement = placement;
        }

        @Override
        public java.util.Optional<String> reject(NodeUsage node, PlacementRequest request) {
            if (!done) {
                done = true;
                assertEquals(1, applier.apply(new Plan(List.of(placement))).committed().size());
            }
            return java.util.Optional.empty();
        }
    }
}
