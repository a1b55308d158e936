package dev.sovra.controller.scheduler;

/**
 * What an instance needs from a node.
 *
 * @param antiAffinityGroup the workspace-qualified SECA anti-affinity group ({@code tenant/workspace/group}),
 *     or null: no two instances of one group share a node
 */
public record PlacementRequest(String instanceUid, int vcpus, long memoryMiB, String zone, String antiAffinityGroup) {

    public PlacementRequest(String instanceUid, int vcpus, long memoryMiB, String zone) {
        this(instanceUid, vcpus, memoryMiB, zone, null);
    }
}
