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
public record ComputeCatalog(String region, List<String> zones, Map<String, Sku> skus, Map<String, KernelBoot> bootImages,
                             List<CatalogSku> storageSkus, List<CatalogSku> networkSkus) {
    public ComputeCatalog {
        zones = List.copyOf(zones);
        skus = Map.copyOf(skus);
        bootImages = Map.copyOf(bootImages);
        storageSkus = storageSkus.stream().sorted(java.util.Comparator.comparing(CatalogSku::name)).toList();
        networkSkus = networkSkus.stream().sorted(java.util.Comparator.comparing(CatalogSku::name)).toList();
    }

    /** A SKU as the catalogue endpoints serve it: system labels and the SECA spec fields. */
    public record CatalogSku(String name, Map<String, String> labels, Map<String, Object> spec) {}

    /** Instance SKUs in catalogue form, with SECA's system labels (provider, tier, architecture). */
    public List<CatalogSku> computeSkus() {
        return skus.values().stream().sorted(java.util.Comparator.comparing(Sku::name))
                .map(s -> new CatalogSku(s.name(), tierLabels(s.name()), Map.of("vCPU", s.vcpus(), "ram", s.ramGiB())))
                .toList();
    }

    public Optional<CatalogSku> storageSku(String name) {
        return storageSkus.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public Optional<CatalogSku> networkSku(String name) {
        return networkSkus.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    /** SECA tiers are the SKU name after the {@code seca.} prefix, upper case (seca.d2xs -> D2XS). */
    public static Map<String, String> tierLabels(String skuName) {
        String tier = skuName.substring(skuName.indexOf('.') + 1).toUpperCase(java.util.Locale.ROOT);
        return Map.of("provider", "seca", "tier", tier, "architecture", "amd64");
    }

    public Optional<Sku> sku(String name) {
        return Optional.ofNullable(skus.get(name));
    }

    public Optional<KernelBoot> bootImage(String name) {
        return Optional.ofNullable(bootImages.get(name));
    }

    /**
     * An instance SKU: SECA {@code spec.vCPU} and {@code spec.ram} (GiB).
     *
     * @param cpuFeatures CPU features (libvirt names) the node's hypervisor must give the guest; the scheduler
     *     places the SKU's instances only on nodes that report all of them
     */
    public record Sku(String name, int vcpus, int ramGiB, List<String> cpuFeatures) {
        public Sku {
            cpuFeatures = cpuFeatures == null ? List.of() : List.copyOf(cpuFeatures);
        }

        public Sku(String name, int vcpus, int ramGiB) {
            this(name, vcpus, ramGiB, List.of());
        }

        public long memoryMiB() {
            return ramGiB * 1024L;
        }
    }
}
