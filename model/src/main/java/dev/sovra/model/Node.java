package dev.sovra.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A hypervisor node known to the controller.
 *
 * @param cpuOvercommit vCPUs per logical CPU the scheduler may allocate (from the hardware profile)
 * @param memoryOvercommit guest memory per host memory the scheduler may allocate
 * @param reservedMemoryMiB host memory kept for the hypervisor itself
 * @param draining an operator drains the node: it takes no new instances (or new local volumes); what runs there stays.
 *     Independent of liveness, and kept when the node re-registers
 */
public record Node(
        String id,
        NodeInventory inventory,
        NodeState state,
        double cpuOvercommit,
        double memoryOvercommit,
        long reservedMemoryMiB,
        Instant registeredAt,
        Instant stateSince,
        boolean draining) {
    public Node {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(inventory, "inventory");
        Objects.requireNonNull(state, "state");
    }

    /** A node no operator drains. */
    public Node(String id, NodeInventory inventory, NodeState state, double cpuOvercommit, double memoryOvercommit,
                long reservedMemoryMiB, Instant registeredAt, Instant stateSince) {
        this(id, inventory, state, cpuOvercommit, memoryOvercommit, reservedMemoryMiB, registeredAt, stateSince, false);
    }

    /** READY and not draining: the scheduler may place new instances here. */
    public boolean schedulable() {
        return state == NodeState.READY && !draining;
    }

    public int allocatableVcpus() {
        return (int) Math.floor(inventory.logicalCpus() * cpuOvercommit);
    }

    public long allocatableMemoryMiB() {
        return (long) Math.floor(Math.max(0, inventory.memoryMiB() - reservedMemoryMiB) * memoryOvercommit);
    }

    public Node withState(NodeState newState, Instant now) {
        return newState == state ? this
                : new Node(id, inventory, newState, cpuOvercommit, memoryOvercommit, reservedMemoryMiB, registeredAt, now, draining);
    }

    public Node withDraining(boolean drain) {
        return drain == draining ? this
                : new Node(id, inventory, state, cpuOvercommit, memoryOvercommit, reservedMemoryMiB, registeredAt, stateSince, drain);
    }
}
