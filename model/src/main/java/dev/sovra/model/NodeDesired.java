package dev.sovra.model;

import dev.sovra.model.network.NodeNetworkSpec;
import java.util.List;

/**
 * Everything one node must hold: instances, volumes and images (with tombstones), and its tenant network, as the
 * controller last said.
 *
 * @param network the node's tenant data plane, or null when the node does not do tenant networking (it reported
 *     no underlay); an empty spec tears the node's data plane down
 */
public record NodeDesired(List<InstanceSpec> instances, List<VolumeSpec> volumes, List<ImageSpec> images,
                          NodeNetworkSpec network) {
    public NodeDesired {
        instances = instances == null ? List.of() : List.copyOf(instances);
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
        images = images == null ? List.of() : List.copyOf(images);
    }

    /** Storage and instances only: no tenant networking on the node. */
    public NodeDesired(List<InstanceSpec> instances, List<VolumeSpec> volumes, List<ImageSpec> images) {
        this(instances, volumes, images, null);
    }

    public static NodeDesired ofInstances(List<InstanceSpec> instances) {
        return new NodeDesired(instances, List.of(), List.of());
    }
}
