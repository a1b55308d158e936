package dev.sovra.controller.scheduler;

import java.util.Set;

/**
 * What an instance needs from a node.
 *
 * @param antiAffinityGroup the workspace-qualified SECA anti-affinity group ({@code tenant/workspace/group}),
 *     or null: no two instances of one group share a node
 * @param volumeNode the node holding the instance's local volumes, or null when it has none (or they are
 *     not bound to a node yet)
 * @param storageBackends the storage backends the node must be able to attach ({@code local}, {@code ceph})
 * @param cpuFeatures the CPU features the instance's SKU requires of the node's guests (libvirt names)
 */
public record PlacementRequest(String instanceUid, int vcpus, long memoryMiB, String zone, String antiAffinityGroup,
                               String volumeNode, Set<String> storageBackends, Set<String> cpuFeatures) {

    public PlacementRequest {
        storageBackends = storageBackends == null ? Set.of() : Set.copyOf(storageBackends);
        cpuFeatures = cpuFeatures == null ? Set.of() : Set.copyOf(cpuFeatures);
    }

    public PlacementRequest(String instanceUid, int vcpus, long memoryMiB, String zone, String antiAffinityGroup,
                            String volumeNode, Set<String> storageBackends) {
        this(instanceUid, vcpus, memoryMiB, zone, antiAffinityGroup, volumeNode, storageBackends, Set.of());
    }

    public PlacementRequest(String instanceUid, int vcpus, long memoryMiB, String zone, String antiAffinityGroup) {
        this(instanceUid, vcpus, memoryMiB, zone, antiAffinityGroup, null, Set.of());
    }

    public PlacementRequest(String instanceUid, int vcpus, long memoryMiB, String zone) {
        this(instanceUid, vcpus, memoryMiB, zone, null);
    }
}
