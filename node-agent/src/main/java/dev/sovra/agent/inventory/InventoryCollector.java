package dev.sovra.agent.inventory;

import dev.sovra.hardware.DmiInfo;
import dev.sovra.hardware.ProfileCatalog;
import dev.sovra.hardware.ProfileMatch;
import dev.sovra.model.NodeInventory;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the {@link NodeInventory} a node reports on registration: host facts from procfs/sysfs plus the
 * hardware profile its DMI data matches.
 *
 * <p>The profile is matched once per collector, on first use, and its warnings are logged then (a
 * machine's DMI data does not change while it runs). Host facts are read on every {@link #collect}.
 * Thread-safe.
 */
public final class InventoryCollector {
    private static final Logger log = LoggerFactory.getLogger(InventoryCollector.class);

    private final Path root;
    private final ProfileCatalog catalog;
    private ProfileMatch profileMatch;

    /** Collects this host's inventory against the built-in hardware profiles. */
    public InventoryCollector() {
        this(Path.of("/"), ProfileCatalog.builtin());
    }

    /**
     * @param root the filesystem root to read {@code proc/}, {@code sys/} (including
     *        {@code sys/class/dmi/id}) and {@code etc/} under; {@code /} in production
     * @param catalog the hardware profiles to match against, e.g. {@link ProfileCatalog#load(Path)} of an
     *        operator's directory
     */
    public InventoryCollector(Path root, ProfileCatalog catalog) {
        this.root = Objects.requireNonNull(root, "root");
        this.catalog = Objects.requireNonNull(catalog, "catalog");
    }

    /**
     * @param offeredDomainTypes the libvirt domain types the hypervisor offers ({@code qemu}, {@code kvm})
     * @param configuredDomainType the domain type this node uses
     * @param zone the availability zone of this node
     * @param storageBackends the volume backends this node can attach
     */
    public NodeInventory collect(List<String> offeredDomainTypes, String configuredDomainType, String zone,
                                 List<String> storageBackends) {
        Objects.requireNonNull(zone, "zone");
        List<String> offered = offeredDomainTypes == null ? List.of() : List.copyOf(offeredDomainTypes);
        if (configuredDomainType != null && !offered.isEmpty() && !offered.contains(configuredDomainType)) {
            log.warn("configured domain type is not offered by the hypervisor domainType={} offered={}",
                    configuredDomainType, offered);
        }
        HostFacts facts = HostFacts.read(root);
        ProfileMatch match = profileMatch();
        return new NodeInventory(
                facts.hostname(),
                facts.cpuModel(),
                facts.logicalCpus(),
                facts.memoryMiB(),
                facts.numaNodes(),
                offered,
                configuredDomainType,
                match.profile().name(),
                zone,
                storageBackends,
                List.of());
    }

    /**
     * The hardware profile this host matches (the generic one, with warnings, when none does). Matched on
     * first call; never throws.
     */
    public synchronized ProfileMatch profileMatch() {
        if (profileMatch == null) {
            DmiInfo dmi = DmiInfo.readFrom(root.resolve("sys/class/dmi/id"));
            ProfileMatch match = catalog.match(dmi);
            log.info("hardware profile matched profile={} generic={} cpuRatio={} memoryRatio={} {}",
                    match.profile().name(), match.generic(), match.profile().overcommit().cpuRatio(),
                    match.profile().overcommit().memoryRatio(), dmi.describe());
            for (String warning : match.warnings()) {
                log.warn("hardware profile warning profile={} generic={} warning=\"{}\"",
                        match.profile().name(), match.generic(), warning.replace("\"", "\\\""));
            }
            profileMatch = match;
        }
        return profileMatch;
    }
}
