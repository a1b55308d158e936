package dev.sovra.controller.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sovra.hardware.HardwareProfile;
import dev.sovra.hardware.ProfileCatalog;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HostableSkusTest {
    private static Map<String, ComputeCatalog.Sku> skus(ComputeCatalog.Sku... skus) {
        Map<String, ComputeCatalog.Sku> map = new LinkedHashMap<>();
        for (ComputeCatalog.Sku sku : skus) {
            map.put(sku.name(), sku);
        }
        return map;
    }

    @Test
    void offersOnlyWhatSomeServerModelCanHost() {
        HardwareProfile qemu = ProfileCatalog.builtin().byName("qemu-standard-pc").orElseThrow(); // 2 CPUs x 4.0, 256 GiB
        var offered = HostableSkus.filter(skus(new ComputeCatalog.Sku("small", 1, 1), new ComputeCatalog.Sku("eight", 8, 16),
                new ComputeCatalog.Sku("sixteen", 16, 32), new ComputeCatalog.Sku("huge-ram", 1, 512)), List.of(qemu));
        assertEquals(List.of("small", "eight"), List.copyOf(offered.keySet()));
    }

    @Test
    void theGenericProfileHostsNothingAndTheBuiltinServersHostEverySecaSku() {
        HardwareProfile generic = ProfileCatalog.builtin().generic();
        assertEquals(0, HostableSkus.filter(skus(new ComputeCatalog.Sku("small", 1, 1)), List.of(generic)).size());
        var secaLargest = skus(new ComputeCatalog.Sku("seca.d2xl", 32, 64));
        assertEquals(1, HostableSkus.filter(secaLargest, ProfileCatalog.builtin().profiles()).size());
    }

    @Test
    void aSkuRequiringCpuFeaturesNeedsAServerModelThatHasThemAll() {
        HardwareProfile qemu = ProfileCatalog.builtin().byName("qemu-standard-pc").orElseThrow(); // requires no features
        HardwareProfile dell = ProfileCatalog.builtin().byName("dell-poweredge-r650").orElseThrow(); // vmx, aes, avx2, avx512f
        var configured = skus(new ComputeCatalog.Sku("avx2", 1, 1, List.of("avx2")),
                new ComputeCatalog.Sku("avx2-aes", 1, 1, List.of("aes", "avx2")),
                new ComputeCatalog.Sku("amx", 1, 1, List.of("avx2", "amx-tile")));
        assertEquals(List.of(), List.copyOf(HostableSkus.filter(configured, List.of(qemu)).keySet()));
        assertEquals(List.of("avx2", "avx2-aes"), List.copyOf(HostableSkus.filter(configured, List.of(qemu, dell)).keySet()));
    }
}
