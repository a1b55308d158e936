package dev.sovra.model;

import java.time.Instant;
import java.util.Objects;

/**
 * What an agent actually sees for one instance it was asked to run (or still finds on its node).
 *
 * @param ref the SECA path of the instance, as given in its {@link InstanceSpec}
 * @param restartGeneration the highest restart generation the agent has carried out
 * @param message human-readable detail, e.g. the libvirt error of a failed start; empty when all is well
 */
public record InstanceObservation(
        String uid, String ref, DomainState state, long restartGeneration, String message, Instant observedAt) {
    public InstanceObservation {
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(state, "state");
        message = message == null ? "" : message;
        observedAt = observedAt == null ? Instant.now() : observedAt;
    }
}
