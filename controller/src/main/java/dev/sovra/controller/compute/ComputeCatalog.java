package dev.sovra.controller.compute;

import dev.sovra.model.KernelBoot;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the appliance offers for compute, from its configuration: zones, instance SKUs and boot
 * images. Boot images stand in for seca.storage images until block storage exists; each names a
 * kernel, initrd and command line present on every node.
 */
public record ComputeCatalog(String region, List<String> zones, Map<String, Sku> skus, Map<String, KernelBoot> bootImages) {
    public ComputeCatalog {
        zones = List.copyOf(zones);
        skus = Map.copyOf(skus);
        bootImages = Map.copyOf(bootImages);
    }

    public Optional<Sku> sku(String name) {
        return Optional.ofNullable(skus.get(name));
    }

    public Optional<KernelBoot> bootImage(String name) {
        return Optional.ofNullable(bootImages.get(name));
    }

    /** An instance SKU: SECA {@code spec.vCPU} and {@code spec.ram} (GiB). */
    public record Sku(String name, int vcpus, int ramGiB) {
        public long memoryMiB() {
            return ramGiB * 1024L;
        }
    }
}
