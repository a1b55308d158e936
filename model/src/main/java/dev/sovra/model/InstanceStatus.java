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

    /** The same status in a new state, with a condition recorded only when state or reason changed. */
    public InstanceStatus transition(ResourceState newState, Instant now, String reason, String message) {
        if (!conditions.isEmpty()) {
            StatusCondition latest = conditions.get(0);
            if (latest.state() == newState && Objects.equals(latest.reason(), reason)) {
                return new InstanceStatus(newState, powerState, powerStateSince, conditions);
            }
        }
        List<StatusCondition> newest = new ArrayList<>(conditions.size() + 1);
        newest.add(new StatusCondition(newState, now, null, reason, message));
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
