package dev.sovra.agent.hypervisor.libvirt;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of {@link LibvirtDriver}.
 *
 * @param uri libvirt connection URI, normally {@code qemu:///system}
 * @param domainType libvirt domain type: {@code qemu} (TCG) or {@code kvm}. Chosen by node configuration,
 *     never from capabilities alone: hosts may offer {@code kvm} that cannot boot a guest (see {@code KvmProbe})
 * @param stateDir the agent's state directory; instance {@code uid} keeps its {@code console.log} in
 *     {@code <stateDir>/instances/<uid>/} (its disks are volumes of a storage backend)
 * @param emulator the QEMU binary
 * @param machineType the QEMU machine type, e.g. {@code pc} or {@code q35}
 * @param nodeId the node this agent runs as; recorded in every domain it defines, and only domains
 *     recorded with it count as owned, so two agents sharing one libvirt never touch each other's domains
 */
public record LibvirtDriverConfig(String uri, String domainType, Path stateDir, String emulator, String machineType,
                                  String nodeId) {

    public static final String DEFAULT_URI = "qemu:///system";
    public static final String DEFAULT_DOMAIN_TYPE = "qemu";
    public static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/sovra/agent");
    public static final String DEFAULT_EMULATOR = "/usr/bin/qemu-system-x86_64";
    public static final String DEFAULT_MACHINE_TYPE = "pc";

    private static final Set<String> DOMAIN_TYPES = Set.of("qemu", "kvm");

    public LibvirtDriverConfig {
        uri = uri == null || uri.isBlank() ? DEFAULT_URI : uri;
        domainType = domainType == null || domainType.isBlank() ? DEFAULT_DOMAIN_TYPE : domainType;
        stateDir = stateDir == null ? DEFAULT_STATE_DIR : stateDir.toAbsolutePath().normalize();
        emulator = emulator == null || emulator.isBlank() ? DEFAULT_EMULATOR : emulator;
        machineType = machineType == null || machineType.isBlank() ? DEFAULT_MACHINE_TYPE : machineType;
        nodeId = nodeId == null ? "" : nodeId;
        if (!DOMAIN_TYPES.contains(domainType)) {
            throw new IllegalArgumentException("domain type must be one of " + DOMAIN_TYPES + ", was " + domainType);
        }
    }

    /** All defaults: {@code qemu:///system}, TCG ({@code qemu}), /var/lib/sovra/agent, qemu-system-x86_64, {@code pc}. */
    public static LibvirtDriverConfig defaults() {
        return new LibvirtDriverConfig(null, null, null, null, null, null);
    }

    /** Defaults with the given connection, domain type, state directory and owning node. */
    public static LibvirtDriverConfig of(String uri, String domainType, Path stateDir, String nodeId) {
        return new LibvirtDriverConfig(uri, domainType, stateDir, null, null, nodeId);
    }

    public LibvirtDriverConfig withDomainType(String type) {
        return new LibvirtDriverConfig(uri, type, stateDir, emulator, machineType, nodeId);
    }

    public LibvirtDriverConfig withStateDir(Path dir) {
        return new LibvirtDriverConfig(uri, domainType, dir, emulator, machineType, nodeId);
    }

    public LibvirtDriverConfig withNodeId(String node) {
        return new LibvirtDriverConfig(uri, domainType, stateDir, emulator, machineType, node);
    }

    public LibvirtDriverConfig withUri(String newUri) {
        return new LibvirtDriverConfig(newUri, domainType, stateDir, emulator, machineType, nodeId);
    }

    /** {@code <stateDir>/instances}. */
    public Path instancesDir() {
        return stateDir.resolve("instances");
    }

    /** {@code <stateDir>/instances/<uid>}: the instance's console log. */
    public Path instanceDir(String uid) {
        return instancesDir().resolve(uid);
    }

    public Path consoleLog(String uid) {
        return instanceDir(uid).resolve("console.log");
    }
}
