package dev.sovra.model;

import java.util.List;

/** Everything one node must hold: instances, volumes and images (with tombstones), as the controller last said. */
public record NodeDesired(List<InstanceSpec> instances, List<VolumeSpec> volumes, List<ImageSpec> images) {
    public NodeDesired {
        instances = instances == null ? List.of() : List.copyOf(instances);
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
        images = images == null ? List.of() : List.copyOf(images);
    }

    public static NodeDesired ofInstances(List<InstanceSpec> instances) {
        return new NodeDesired(instances, List.of(), List.of());
    }
}
