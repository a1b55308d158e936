package dev.sovra.model;

import dev.sovra.model.network.Underlay;
import java.util.List;
import java.util.Objects;

/**
 * What a node reports about itself when it registers: the facts the scheduler places on.
 *
 * @param logicalCpus CPUs the hypervisor may use for guests
 * @param memoryMiB total host memory
 * @param numaNodes one entry per NUMA cell
 * @param domainTypes libvirt domain types the hypervisor offers (e.g. {@code qemu}, {@code kvm})
 * @param domainType the domain type this node actually uses (from its configuration, proven by a probe)
 * @param hardwareProfile the matched hardware profile name ({@code generic} when nothing matched)
 * @param zone the availability zone the node belongs to
 * @param storageBackends the volume backends the node can attach ({@code local}, {@code ceph})
 * @param storageCapacity space per backend when the node last said Hello
 * @param underlay the node's tunnel endpoint for tenant networks, or null if the node does no tenant networking
 * @param cpuFeatures the CPU features the hypervisor can give a guest (libvirt names, sorted), or null when the agent
 *     did not say (older agents): unknown, which satisfies no requirement
 */
public record NodeInventory(
        String hostname,
        String cpuModel,
        int logicalCpus,
        long memoryMiB,
        List<NumaNode> numaNodes,
        List<String> domainTypes,
        String domainType,
        String hardwareProfile,
        String zone,
        List<String> storageBackends,
        List<StorageCapacity> storageCapacity,
        Underlay underlay,
        List<String> cpuFeatures) {

    public NodeInventory {
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(zone, "zone");
        numaNodes = numaNodes == null ? List.of() : List.copyOf(numaNodes);
        domainTypes = domainTypes == null ? List.of() : List.copyOf(domainTypes);
        storageBackends = storageBackends == null ? List.of("local") : List.copyOf(storageBackends);
        storageCapacity = storageCapacity == null ? List.of() : List.copyOf(storageCapacity);
        cpuFeatures = cpuFeatures == null ? null : cpuFeatures.stream().sorted().distinct().toList();
    }

    /** A node that does not report its CPU features. */
    public NodeInventory(String hostname, String cpuModel, int logicalCpus, long memoryMiB, List<NumaNode> numaNodes,
                         List<String> domainTypes, String domainType, String hardwareProfile, String zone,
                         List<String> storageBackends, List<StorageCapacity> storageCapacity, Underlay underlay) {
        this(hostname, cpuModel, logicalCpus, memoryMiB, numaNodes, domainTypes, domainType, hardwareProfile, zone,
                storageBackends, storageCapacity, underlay, null);
    }

    public NodeInventory withCpuFeatures(List<String> features) {
        return new NodeInventory(hostname, cpuModel, logicalCpus, memoryMiB, numaNodes, domainTypes, domainType,
                hardwareProfile, zone, storageBackends, storageCapacity, underlay, features);
    }

    /** The same inventory with the storage space measured now. */
    public NodeInventory withStorageCapacity(List<StorageCapacity> capacity) {
        return new NodeInventory(hostname, cpuModel, logicalCpus, memoryMiB, numaNodes, domainTypes, domainType, hardwareProfile,
                zone, storageBackends, capacity, underlay, cpuFeatures);
    }

    /** Free MiB of {@code backend}, or 0 when the node did not report it. */
    public long freeMiB(String backend) {
        return storageCapacity.stream().filter(c -> c.backend().equals(backend)).mapToLong(StorageCapacity::freeMiB).findFirst()
                .orElse(0);
    }

    /** A node without tenant networking. */
    public NodeInventory(String hostname, String cpuModel, int logicalCpus, long memoryMiB, List<NumaNode> numaNodes,
                         List<String> domainTypes, String domainType, String hardwareProfile, String zone,
                         List<String> storageBackends, List<StorageCapacity> storageCapacity) {
        this(hostname, cpuModel, logicalCpus, memoryMiB, numaNodes, domainTypes, domainType, hardwareProfile, zone,
                storageBackends, storageCapacity, null);
    }

    public NodeInventory withUnderlay(Underlay nodeUnderlay) {
        return new NodeInventory(hostname, cpuModel, logicalCpus, memoryMiB, numaNodes, domainTypes, domainType,
                hardwareProfile, zone, storageBackends, storageCapacity, nodeUnderlay, cpuFeatures);
    }

    /** A node with local storage only. */
    public NodeInventory(String hostname, String cpuModel, int logicalCpus, long memoryMiB, List<NumaNode> numaNodes,
                         List<String> domainTypes, String domainType, String hardwareProfile, String zone) {
        this(hostname, cpuModel, logicalCpus, memoryMiB, numaNodes, domainTypes, domainType, hardwareProfile, zone, List.of("local"),
                List.of());
    }

    /** One NUMA cell of the host. */
    public record NumaNode(int id, List<Integer> cpus, long memoryMiB) {
        public NumaNode {
            cpus = cpus == null ? List.of() : List.copyOf(cpus);
        }
    }
}
