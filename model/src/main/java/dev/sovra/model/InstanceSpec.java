package dev.sovra.model;

import java.util.List;
import java.util.Objects;

/**
 * What a node must run for one instance: the unit the controller sends and the agent converges to.
 *
 * @param uid stable identity; the libvirt domain UUID and name derive from it, so re-creating after a
 *     crash can never produce a second domain for the same instance
 * @param ref the SECA resource path, e.g. {@code tenants/t1/workspaces/ws1/instances/vm1}
 * @param power desired power state
 * @param restartGeneration bumped by every restart action; the agent reboots the domain once per bump
 * @param kernelBoot direct kernel boot, or null to boot from the first disk
 */
public record InstanceSpec(
        String uid,
        String ref,
        int vcpus,
        long memoryMiB,
        KernelBoot kernelBoot,
        List<DiskSpec> disks,
        List<NicSpec> nics,
        PowerState power,
        long restartGeneration) {

    public InstanceSpec {
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(power, "power");
        if (vcpus < 1) {
            throw new IllegalArgumentException("instance " + ref + " needs at least one vCPU");
        }
        if (memoryMiB < 16) {
            throw new IllegalArgumentException("instance " + ref + " needs at least 16 MiB of memory");
        }
        disks = disks == null ? List.of() : List.copyOf(disks);
        nics = nics == null ? List.of() : List.copyOf(nics);
    }

    public InstanceSpec withPower(PowerState newPower) {
        return new InstanceSpec(uid, ref, vcpus, memoryMiB, kernelBoot, disks, nics, newPower, restartGeneration);
    }

    public InstanceSpec withNics(List<NicSpec> newNics) {
        return new InstanceSpec(uid, ref, vcpus, memoryMiB, kernelBoot, disks, newNics, power, restartGeneration);
    }

    public InstanceSpec withRestartGeneration(long generation) {
        return new InstanceSpec(uid, ref, vcpus, memoryMiB, kernelBoot, disks, nics, power, generation);
    }
}
