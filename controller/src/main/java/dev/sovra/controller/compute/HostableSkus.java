package dev.sovra.controller.compute;

import dev.sovra.hardware.HardwareProfile;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Derives the instance SKUs the appliance offers from what its supported server models can host: a
 * configured SKU is offered only if at least one hardware profile has the vCPUs and memory for it
 * (after that profile's overcommit ratios) and lists every CPU feature the SKU requires among the features the
 * model is required to have. Offering a SKU no server could ever run would leave its instances pending forever.
 */
public final class HostableSkus {
    private static final Logger log = LoggerFactory.getLogger(HostableSkus.class);

    private HostableSkus() {}

    public static Map<String, ComputeCatalog.Sku> filter(Map<String, ComputeCatalog.Sku> configured,
                                                         Collection<HardwareProfile> profiles) {
        Map<String, ComputeCatalog.Sku> offered = new LinkedHashMap<>();
        configured.forEach((name, sku) -> {
            if (profiles.stream().anyMatch(profile -> hosts(profile, sku))) {
                offered.put(name, sku);
            } else {
                log.warn("sku not offered sku={} vcpus={} ramGiB={} cpuFeatures={} reason=\"no hardware profile can host it\"",
                        name, sku.vcpus(), sku.ramGiB(), sku.cpuFeatures());
            }
        });
        return offered;
    }

    /** Whether a server of this model, empty, could run one instance of the SKU. */
    static boolean hosts(HardwareProfile profile, ComputeCatalog.Sku sku) {
        if (profile.cpu() == null || profile.memory() == null || profile.overcommit() == null) {
            return false; // the generic profile describes no hardware
        }
        double vcpus = profile.cpu().logicalCpus() * profile.overcommit().cpuRatio();
        double memoryGiB = profile.memory().maxGiB() * profile.overcommit().memoryRatio();
        // "vmx|svm" requires one of them, so it guarantees neither.
        return sku.vcpus() <= vcpus && sku.ramGiB() <= memoryGiB
                && profile.cpu().requiredFeatures().containsAll(sku.cpuFeatures());
    }
}
