package dev.sovra.model;

import java.time.Instant;
import java.util.Objects;

/** One entry of a SECA {@code status.conditions} list: a state transition with its reason. */
public record StatusCondition(ResourceState state, Instant lastTransitionAt, String type, String reason, String message) {
    public StatusCondition {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(lastTransitionAt, "lastTransitionAt");
    }
}
