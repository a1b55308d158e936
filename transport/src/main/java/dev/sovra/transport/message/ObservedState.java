package dev.sovra.transport.message;

import dev.sovra.model.InstanceObservation;
import dev.sovra.model.StorageObservation;
import java.util.List;

/**
 * Agent to controller, one-way: observations of instances, volumes and images. {@code full=true} means the
 * instance list is everything the node runs; {@code false} means a partial update. Storage observations are
 * always changes (the agent reports every volume and image it was asked about after each (re)connect).
 */
public record ObservedState(List<InstanceObservation> observations, List<StorageObservation> volumes,
                            List<StorageObservation> images, boolean full) implements Message {
    public ObservedState {
        observations = observations == null ? List.of() : List.copyOf(observations);
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
        images = images == null ? List.of() : List.copyOf(images);
    }

    public static ObservedState instances(List<InstanceObservation> observations, boolean full) {
        return new ObservedState(observations, List.of(), List.of(), full);
    }
}
