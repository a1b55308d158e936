package dev.sovra.transport.message;

import dev.sovra.model.InstanceObservation;
import java.util.List;

/**
 * Agent to controller, one-way: observations of instances. {@code full=true} means the list is
 * everything the node runs; {@code false} means a partial update.
 */
public record ObservedState(List<InstanceObservation> observations, boolean full) implements Message {
    public ObservedState {
        observations = observations == null ? List.of() : List.copyOf(observations);
    }
}
