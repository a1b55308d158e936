package dev.sovra.controller.scheduler;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Places a batch of instances optimistically: decides all of them on one snapshot from the {@link PlanApplier}
 * (each decision sees the batch's earlier ones), submits them as one {@link Plan}, records what the applier
 * committed durably, and decides what it rejected again on a fresh snapshot, at most {@code maxAttempts} times.
 * Many workers may run at once over one applier.
 */
public final class PlacementWorker {
    private final Scheduler scheduler;
    private final PlanApplier applier;
    private final Predicate<Placement> recordDurably;
    private final int maxAttempts;

    /**
     * @param recordDurably makes a committed placement durable (the store stays the source of truth); false when it
     *     could not, e.g. the instance changed meanwhile: its claim is then released
     */
    public PlacementWorker(Scheduler scheduler, PlanApplier applier, Predicate<Placement> recordDurably, int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        }
        this.scheduler = scheduler;
        this.applier = applier;
        this.recordDurably = recordDurably;
        this.maxAttempts = maxAttempts;
    }

    /** What became of one request. */
    public sealed interface Outcome permits Placed, Refused, Deferred {
        PlacementRequest request();
    }

    /** Committed by the applier and recorded durably. */
    public record Placed(Placement placement, int attempts) implements Outcome {
        @Override
        public PlacementRequest request() {
            return placement.request();
        }
    }

    /** No node fits (decided on the latest snapshot the worker had); the decision explains why. */
    public record Refused(PlacementRequest request, Scheduler.Decision decision) implements Outcome {}

    /** Not placed this time: it lost the race for capacity {@code maxAttempts} times, or its durable write failed. */
    public record Deferred(PlacementRequest request, String reason) implements Outcome {}

    /** @return one outcome per request, in request order */
    public List<Outcome> place(List<PlacementRequest> requests) {
        Outcome[] outcomes = new Outcome[requests.size()];
        List<Integer> pending = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            pending.add(i);
        }
        String lastRejection = null;
        for (int attempt = 1; attempt <= maxAttempts && !pending.isEmpty(); attempt++) {
            ClusterSnapshot snapshot = applier.snapshot();
            List<Placement> planned = new ArrayList<>(pending.size());
            Map<Placement, Integer> indexOf = new IdentityHashMap<>();
            for (int index : pending) {
                PlacementRequest request = requests.get(index);
                Scheduler.Decision decision = scheduler.place(snapshot, request);
                if (!decision.placed()) {
                    outcomes[index] = new Refused(request, decision);
                    continue;
                }
                Placement placement = new Placement(decision.nodeId(), request);
                planned.add(placement);
                indexOf.put(placement, index);
                snapshot = snapshot.withPlacement(decision.nodeId(), request);
            }
            if (planned.isEmpty()) {
                return List.of(outcomes);
            }
            PlanResult result = applier.apply(new Plan(planned));
            List<Placement> unrecorded = new ArrayList<>();
            for (Placement placement : result.committed()) {
                int index = indexOf.get(placement);
                if (recordDurably.test(placement)) {
                    outcomes[index] = new Placed(placement, attempt);
                } else {
                    unrecorded.add(placement);
                    outcomes[index] = new Deferred(placement.request(), "its record changed while it was being placed");
                }
            }
            if (!unrecorded.isEmpty()) {
                applier.release(unrecorded);
            }
            pending = new ArrayList<>(result.rejected().size());
            for (PlanResult.Rejection rejection : result.rejected()) {
                pending.add(indexOf.get(rejection.placement()));
                lastRejection = rejection.reason();
            }
        }
        for (int index : pending) {
            outcomes[index] = new Deferred(requests.get(index), "rejected by the plan applier " + maxAttempts + " times, last: "
                    + lastRejection);
        }
        return List.of(outcomes);
    }
}
