package dev.sovra.model;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Observed state of an instance as the API reports it.
 *
 * @param conditions newest first, at most {@link #MAX_CONDITIONS}
 * @param powerStateSince null while the instance has never been started
 */
public record InstanceStatus(
        ResourceState state, PowerState powerState, Instant powerStateSince, List<StatusCondition> conditions) {
    public static final int MAX_CONDITIONS = 32;

    public InstanceStatus {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(powerState, "powerState");
        conditions = conditions == null ? List.of() : List.copyOf(conditions);
    }

    public static InstanceStatus pending(Instant now, String reason, String message) {
        return new InstanceStatus(ResourceState.PENDING, PowerState.OFF, null,
                List.of(new StatusCondition(ResourceState.PENDING, now, null, reason, message)));
    }

    /**
     * The same status in a new state. A condition is recorded per state change (not per reason), with a
     * time strictly after the previous one, so clients can read the lifecycle back exactly; a new reason
     * for the current state replaces the latest condition's reason.
     */
    public InstanceStatus transition(ResourceState newState, Instant now, String reason, String message) {
        if (newState == state && !conditions.isEmpty()) {
            StatusCondition latest = conditions.get(0);
            if (Objects.equals(latest.reason(), reason) && Objects.equals(latest.message(), message)) {
                return this;
            }
            // Same state, new reason (e.g. why it still waits): say so without adding a state change.
            List<StatusCondition> updated = new ArrayList<>(conditions);
            updated.set(0, new StatusCondition(state, latest.lastTransitionAt(), latest.type(), reason, message));
            return new InstanceStatus(state, powerState, powerStateSince, updated);
        }
        Instant at = now;
        if (!conditions.isEmpty() && !at.isAfter(conditions.get(0).lastTransitionAt())) {
            at = conditions.get(0).lastTransitionAt().plusNanos(1000);
        }
        List<StatusCondition> newest = new ArrayList<>(conditions.size() + 1);
        newest.add(new StatusCondition(newState, at, null, reason, message));
        newest.addAll(conditions.subList(0, Math.min(conditions.size(), MAX_CONDITIONS - 1)));
        return new InstanceStatus(newState, powerState, powerStateSince, newest);
    }

    public InstanceStatus withPower(PowerState observed, Instant now) {
        if (observed == powerState) {
            return this;
        }
        return new InstanceStatus(state, observed, now, conditions);
    }
}
