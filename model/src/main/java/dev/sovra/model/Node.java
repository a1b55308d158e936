package dev.sovra.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A hypervisor node known to the controller.
 *
 * @param cpuOvercommit vCPUs per logical CPU the scheduler may allocate (from the hardware profile)
 * @param memoryOvercommit guest memory per host memory the scheduler may allocate
 * @param reservedMemoryMiB host memory kept for the hypervisor itself
 */
public record Node(
        String id,
        NodeInventory inventory,
        NodeState state,
        double cpuOvercommit,
        double memoryOvercommit,
        long reservedMemoryMiB,
        Instant registeredAt,
        Instant stateSince) {
    public Node {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(inventory, "inventory");
        Objects.requireNonNull(state, "state");
    }

    public int allocatableVcpus() {
        return (int) Math.floor(inventory.logicalCpus() * cpuOvercommit);
    }

    public long allocatableMemoryMiB() {
        return (long) Math.floor(Math.max(0, inventory.memoryMiB() - reservedMemoryMiB) * memoryOvercommit);
    }

    public Node withState(NodeState newState, Instant now) {
        return newState == state ? this
                : new Node(id, inventory, newState, cpuOvercommit, memoryOvercommit, reservedMemoryMiB, registeredAt, now);
    }
}
