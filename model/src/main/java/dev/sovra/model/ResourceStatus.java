package dev.sovra.model;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * SECA Status: the current state and its history, newest first. A condition is recorded for every
 * state change, with strictly increasing timestamps, so clients can read the lifecycle back exactly.
 */
public record ResourceStatus(ResourceState state, List<StatusCondition> conditions) {
    public static final int MAX_CONDITIONS = 32;

    public ResourceStatus {
        Objects.requireNonNull(state, "state");
        conditions = conditions == null ? List.of() : List.copyOf(conditions);
    }

    /** A resource just accepted: pending. */
    public static ResourceStatus pending(Instant now) {
        return new ResourceStatus(ResourceState.PENDING, List.of(new StatusCondition(ResourceState.PENDING, now, null, "Accepted", null)));
    }

    /** A resource realised as soon as it is stored: pending, creating and active, in that order. */
    public static ResourceStatus createdActive(Instant now) {
        return pending(now)
                .then(ResourceState.CREATING, now, "Creating")
                .then(ResourceState.ACTIVE, now, "Ready");
    }

    /** An update applied at once: updating, then active again. */
    public ResourceStatus updatedActive(Instant now) {
        return then(ResourceState.UPDATING, now, "Updating").then(ResourceState.ACTIVE, now, "Ready");
    }

    /** Appends a condition for a new state; its time is after every earlier one, even within one clock tick. */
    public ResourceStatus then(ResourceState next, Instant now, String reason) {
        Instant at = now;
        if (!conditions.isEmpty() && !at.isAfter(conditions.get(0).lastTransitionAt())) {
            at = conditions.get(0).lastTransitionAt().plusNanos(1000);
        }
        List<StatusCondition> newest = new ArrayList<>(Math.min(conditions.size() + 1, MAX_CONDITIONS));
        newest.add(new StatusCondition(next, at, null, reason, null));
        newest.addAll(conditions.subList(0, Math.min(conditions.size(), MAX_CONDITIONS - 1)));
        return new ResourceStatus(next, newest);
    }
}
