package dev.sovra.transport.message;

import dev.sovra.model.InstanceSpec;
import java.util.List;

/**
 * Controller to agent request: the complete desired set of instances of the node (level-triggered).
 * Answered with {@link Ack} carrying the same generation.
 */
public record DesiredState(long generation, List<InstanceSpec> instances) implements Message {
    public DesiredState {
        instances = instances == null ? List.of() : List.copyOf(instances);
    }
}
