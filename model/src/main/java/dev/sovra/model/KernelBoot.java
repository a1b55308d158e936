package dev.sovra.model;

import java.util.Objects;

/**
 * Direct kernel boot: the hypervisor loads kernel and initrd from the node's filesystem.
 * Used by test guests and appliance images that ship a kernel; disk boot has no KernelBoot.
 */
public record KernelBoot(String kernelPath, String initrdPath, String cmdline) {
    public KernelBoot {
        Objects.requireNonNull(kernelPath, "kernelPath");
        cmdline = cmdline == null ? "" : cmdline;
    }
}
