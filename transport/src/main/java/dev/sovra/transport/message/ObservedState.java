package dev.sovra.transport.message;

import dev.sovra.model.InstanceObservation;
import dev.sovra.model.StorageObservation;
import dev.sovra.model.network.SegmentObservation;
import java.util.List;

/**
 * Agent to controller, one-way: observations of instances, volumes and images. {@code full=true} means the
 * instance list is everything the node runs; {@code false} means a partial update. Storage observations are
 * always changes (the agent reports every volume and image it was asked about after each (re)connect).
 * {@code segments}, when not null, is every tenant network segment the node's data plane carries (null: this
 * message says nothing about the data plane, as from agents without tenant networking or older ones).
 */
public record ObservedState(List<InstanceObservation> observations, List<StorageObservation> volumes,
                            List<StorageObservation> images, boolean full, List<SegmentObservation> segments) implements Message {
    public ObservedState {
        observations = observations == null ? List.of() : List.copyOf(observations);
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
        images = images == null ? List.of() : List.copyOf(images);
        segments = segments == null ? null : List.copyOf(segments);
    }

    public ObservedState(List<InstanceObservation> observations, List<StorageObservation> volumes,
                         List<StorageObservation> images, boolean full) {
        this(observations, volumes, images, full, null);
    }

    /** The segments the node's data plane carries, all of them. */
    public static ObservedState network(List<SegmentObservation> segments) {
        return new ObservedState(List.of(), List.of(), List.of(), false, segments);
    }

    public static ObservedState instances(List<InstanceObservation> observations, boolean full) {
        return new ObservedState(observations, List.of(), List.of(), full);
    }
}
