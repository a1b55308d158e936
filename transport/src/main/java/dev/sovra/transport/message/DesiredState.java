package dev.sovra.transport.message;

import dev.sovra.model.ImageSpec;
import dev.sovra.model.InstanceSpec;
import dev.sovra.model.VolumeSpec;
import dev.sovra.model.network.NodeNetworkSpec;
import java.util.List;

/**
 * Controller to agent request: everything the node must hold, complete (level-triggered): its instances,
 * the volumes and images it manages, tombstones ({@code present=false}) of volumes and images it must
 * remove, and its tenant network ({@code null}: the node does no tenant networking). Answered with {@link Ack}
 * carrying the same generation.
 */
public record DesiredState(long generation, List<InstanceSpec> instances, List<VolumeSpec> volumes, List<ImageSpec> images,
                           NodeNetworkSpec network)
        implements Message {
    public DesiredState {
        instances = instances == null ? List.of() : List.copyOf(instances);
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
        images = images == null ? List.of() : List.copyOf(images);
    }

    /** Instances and storage, no tenant networking. */
    public DesiredState(long generation, List<InstanceSpec> instances, List<VolumeSpec> volumes, List<ImageSpec> images) {
        this(generation, instances, volumes, images, null);
    }

    /** A desired state with instances only (no storage work for the node). */
    public static DesiredState instances(long generation, List<InstanceSpec> instances) {
        return new DesiredState(generation, instances, List.of(), List.of());
    }
}
